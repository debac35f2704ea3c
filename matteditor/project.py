"""Project files: one editing session (photo, trimap, settings) in one file.

A project is a zip archive holding ``manifest.json``, ``trimap.png`` (8-bit
gray), when the photo is embedded ``image.png`` (16-bit RGB), and optionally
the last exact matte of that trimap (``alpha.npy``, H x W, and ``foreground.npy``,
H x W x 3: 16-bit NumPy arrays, never pickles; reopening shows it without a solve) and view
5's background image (``background.png``, 16-bit RGB).  The
manifest refers to the photo by a path relative to the project file when
the photo lies in the project's folder (so the pair can be moved together),
by an absolute path otherwise, with the SHA-256 of the photo file, so a photo
replaced by another of the same size is noticed (:meth:`Project.photo_changed`).
A recovery file also names the project file its session was saved to.  Writes
are atomic.  Only the member names above are ever read, relative photo paths may not climb out of the
project's folder, and sizes are checked before anything is decoded; any
problem is a :class:`ProjectError` naming the file and the reason.

No Qt here; the editor maps its widgets to :class:`SessionSettings`.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
import zlib
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

from .errors import ImageLoadError, MatteError, ProjectError
from .edges import EdgeAdjustments
from .imageio import ImageLimits, atomic_write, encode_image, load_image
from .project_members import decode_png, encode_npy, read_layer, read_member, read_npy
from .trimap import check_trimap
from .views import ViewMode

PROJECT_SUFFIX = ".mattproj"
FORMAT = "matteditor-project"
VERSION = 1
MANIFEST, TRIMAP, IMAGE = "manifest.json", "trimap.png", "image.png"
ALPHA, FOREGROUND, BACKGROUND = "alpha.npy", "foreground.npy", "background.png"
#: the matte is stored as 16-bit NumPy arrays (the alpha deflated fast, the colours, which
#: barely compress, stored): reading a 2.5 MP photo's takes ~0.1 s, decoding them from
#: 16-bit PNGs ~1.3 s
MATTE_LEVEL = 1
MAX_MANIFEST_BYTES = 1 << 20


@dataclass(frozen=True)
class SessionSettings:
    """Editor settings saved with a project (and remembered between runs)."""

    engine: str = ""                    # "": the default engine (matteditor.engines' policy)
    view: int = 1                       # 1..7, see matteditor.views.ViewMode
    overlay_opacity: float = 0.5        # 0..1
    alpha_tint: float = 0.6             # 0..1
    brush_size: int = 24                # diameter in image pixels, 1..1000
    background_color: tuple[float, float, float] = (1.0, 1.0, 1.0)
    split: float = 0.5                  # 0..1

    def to_dict(self) -> dict:
        d = asdict(self)
        d["background_color"] = list(self.background_color)
        return d

    @classmethod
    def from_dict(cls, data: object, source: str = "settings") -> "SessionSettings":
        """Settings from a JSON object; unknown keys are ignored, missing ones default.

        Raises ProjectError naming the bad key.
        """
        if not isinstance(data, dict):
            raise ProjectError(f"{source}: settings must be a JSON object")
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        try:
            s = cls(**values)
            checked = cls(
                engine=str(s.engine), view=int(s.view),
                overlay_opacity=float(s.overlay_opacity), alpha_tint=float(s.alpha_tint),
                brush_size=int(s.brush_size),
                background_color=tuple(float(c) for c in s.background_color),  # type: ignore[arg-type]
                split=float(s.split))
        except (TypeError, ValueError) as e:
            raise ProjectError(f"{source}: bad settings value ({e})") from None
        for name, value, lo, hi in (("view", checked.view, 1, len(ViewMode)),
                                    ("overlay_opacity", checked.overlay_opacity, 0, 1),
                                    ("alpha_tint", checked.alpha_tint, 0, 1),
                                    ("brush_size", checked.brush_size, 1, 1000),
                                    ("split", checked.split, 0, 1)):
            if not lo <= value <= hi:
                raise ProjectError(f"{source}: {name} must be in [{lo}, {hi}], got {value}")
        if len(checked.background_color) != 3 or \
                not all(0 <= c <= 1 for c in checked.background_color):
            raise ProjectError(f"{source}: background_color must be three values in [0, 1]")
        return checked


@dataclass(frozen=True, eq=False)
class Project:
    """A saved session.

    Attributes:
        trimap: uint8 H x W in {0, 128, 255}.
        settings: the editor settings.
        image_path: the photo on disk (absolute), or None when embedded.
        image: the embedded photo, float32 H x W x 3 in [0, 1], or None.
        adjustments: the edge controls applied to the matte.
        alpha: the engine's exact alpha for ``trimap``, float32 H x W in [0, 1], or None.
        foreground: its foreground colours, float32 H x W x 3 in [0, 1], or None.
        background: view 5's background image, float32 H' x W' x 3 in [0, 1], or None.
        photo_sha256: SHA-256 (hex) of the photo file when saved (None: not known).
        saved_as: for a recovery file, the project file the session belongs to.
    """

    trimap: np.ndarray
    settings: SessionSettings = SessionSettings()
    image_path: Path | None = None
    image: np.ndarray | None = None
    adjustments: EdgeAdjustments = EdgeAdjustments()
    alpha: np.ndarray | None = None
    foreground: np.ndarray | None = None
    background: np.ndarray | None = None
    photo_sha256: str | None = None
    saved_as: Path | None = None

    @property
    def photo_missing(self) -> bool:
        """True when the project refers to a photo file that is no longer there
        (moved, renamed or deleted); an embedded photo is never missing."""
        return self.image is None and self.image_path is not None \
            and not self.image_path.exists()

    def photo_changed(self, current: str | None = None) -> bool:
        """True when the photo file's content is not what it was when the project was saved
        (another photo put in its place); False when it is, or when that is not known.
        ``current``: the file's SHA-256 if already computed."""
        if self.image is not None or self.image_path is None or self.photo_sha256 is None:
            return False
        try:
            return (current or file_sha256(self.image_path)) != self.photo_sha256
        except OSError:
            return False   # unreadable: load_photo says why

    def load_photo(self, limits: ImageLimits = ImageLimits()) -> np.ndarray:
        """The photo (embedded or read from ``image_path``), checked against the trimap."""
        if self.image is not None:
            photo = self.image
        elif self.image_path is not None:
            try:
                photo = load_image(self.image_path, limits)
            except ImageLoadError as e:
                raise ProjectError(f"the project's photo could not be opened: {e}") from None
        else:
            raise ProjectError("the project has neither a photo path nor an embedded photo")
        if photo.shape[:2] != self.trimap.shape:
            raise ProjectError(
                f"the photo {self.image_path} is {photo.shape[1]}x{photo.shape[0]} but the "
                f"project's trimap is {self.trimap.shape[1]}x{self.trimap.shape[0]}; "
                "was the photo replaced?")
        return photo


def file_sha256(path: str | os.PathLike) -> str:
    """The SHA-256 of a file's bytes, in hex (raises OSError)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def photo_outside_folder(project: Project, path: str | os.PathLike) -> bool:
    """True when ``project`` (read from the file ``path``) refers to a photo outside
    that file's folder (links followed).

    A project file alone must not make the editor read arbitrary files, so the
    editor asks the user before reading such a photo.  Embedded photos and
    photos in the project's folder or below it are not outside.
    """
    if project.image is not None or project.image_path is None:
        return False
    folder = Path(path).resolve().parent
    # Decided on the name first: a photo named outside is not touched at all (on
    # Windows even looking at a network path can leak credentials); one named
    # inside may still be a link that leads out.
    if not Path(os.path.normpath(project.image_path)).is_relative_to(folder):
        return True
    return not project.image_path.resolve().is_relative_to(folder)


def _photo_reference(photo: Path, project: Path) -> str:
    """Relative (POSIX) path if the photo lies under the project's folder, else absolute."""
    photo = photo.resolve()
    folder = project.resolve().parent
    try:
        return photo.relative_to(folder).as_posix()
    except ValueError:
        return str(photo)


def save_project(path: str | os.PathLike, project: Project, *, embed: bool = False) -> None:
    """Write ``project`` to ``path`` atomically.

    The photo is embedded when ``embed`` is true or there is no photo path
    (``project.image`` must then hold it).
    Raises ProjectError naming the file and the reason.
    """
    path = Path(path)
    h, w = project.trimap.shape[:2]
    try:
        check_trimap(project.trimap, (h, w))
        embed = embed or project.image_path is None
        if embed and project.image is None:
            raise ProjectError(f"cannot save {path}: no photo to embed")
        manifest = {"format": FORMAT, "version": VERSION, "width": w, "height": h,
                    "trimap": TRIMAP, "settings": project.settings.to_dict(),
                    "adjustments": project.adjustments.to_dict()}
        if embed:
            manifest["image"] = {"embedded": IMAGE}
        else:
            manifest["image"] = {"path": _photo_reference(project.image_path, path)}
            if project.photo_sha256 is not None:
                manifest["image"]["sha256"] = project.photo_sha256
        if project.saved_as is not None:
            manifest["saved_as"] = str(Path(project.saved_as).resolve())
        members = {TRIMAP: encode_image(project.trimap, "PNG", path=path)}
        layers = ((IMAGE, project.image if embed else None, (h, w, 3)),
                  (ALPHA, project.alpha, (h, w)),
                  (FOREGROUND, project.foreground if project.alpha is not None else None,
                   (h, w, 3)),
                  (BACKGROUND, project.background, None))
        for name, array, shape in layers:
            if array is None:
                continue
            if shape is not None and array.shape != shape:
                raise ProjectError(f"cannot save {path}: {name} has shape {array.shape}, "
                                   f"expected {shape}")
            members[name] = encode_npy(array, name, path) if name.endswith(".npy") \
                else encode_image(array, "PNG", bits=16, path=path)
        manifest["layers"] = sorted(n for n in members if n in (ALPHA, FOREGROUND, BACKGROUND))
        with atomic_write(path) as tmp:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as z:
                z.writestr(MANIFEST, json.dumps(manifest, indent=2))
                for name, data in members.items():   # PNG is compressed already
                    deflate = name == ALPHA   # colours barely compress: stored
                    z.writestr(name, data, zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED,
                               MATTE_LEVEL if deflate else None)
    except ProjectError:
        raise
    except MatteError as e:
        raise ProjectError(f"cannot save project {path}: {e}") from None


def _resolve_photo(ref: object, path: Path) -> Path:
    if not isinstance(ref, str) or not ref:
        raise ProjectError(f"{path}: the photo path in the manifest is not a string")
    p = Path(ref)
    if p.is_absolute():
        return p
    folder = path.resolve().parent
    resolved = (folder / p).resolve()
    if not resolved.is_relative_to(folder):
        raise ProjectError(f"{path}: the photo path {ref!r} points outside the project's folder; "
                           "refusing to follow it")
    return resolved


def _read_extras(z: zipfile.ZipFile, manifest: dict, path: Path, size: tuple[int, int],
                 limits: ImageLimits) -> dict:
    """The optional layers (the matte, the background) and the recovery's project path."""
    layers = manifest.get("layers", [])
    if not isinstance(layers, list) or not set(layers) <= {ALPHA, FOREGROUND, BACKGROUND}:
        raise ProjectError(f"{path}: the manifest's list of layers is malformed")
    extra: dict = {}
    if ALPHA in layers:
        extra["alpha"] = read_npy(z, ALPHA, path, size)
        if FOREGROUND in layers:
            extra["foreground"] = read_npy(z, FOREGROUND, path, (*size, 3))
    if BACKGROUND in layers:
        extra["background"] = read_layer(z, BACKGROUND, path, None, limits)
    saved_as = manifest.get("saved_as")
    if saved_as is not None:
        if not isinstance(saved_as, str) or not Path(saved_as).is_absolute():
            raise ProjectError(f"{path}: the project path in the manifest is malformed")
        extra["saved_as"] = Path(saved_as)
    return extra


def load_project(path: str | os.PathLike, limits: ImageLimits = ImageLimits()) -> Project:
    """Read a project written by :func:`save_project` (the photo itself is read by
    :meth:`Project.load_photo`).  Raises ProjectError naming the file and the reason."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as z:
            try:
                manifest = json.loads(read_member(z, MANIFEST, MAX_MANIFEST_BYTES, path))
            except (UnicodeDecodeError, json.JSONDecodeError) as e:
                raise ProjectError(f"{path}: the manifest is not valid JSON ({e})") from None
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                raise ProjectError(f"{path} is not a matteditor project")
            if manifest.get("version") != VERSION:
                raise ProjectError(f"{path} is project version {manifest.get('version')!r}; "
                                   f"this editor reads version {VERSION}")
            w, h = manifest.get("width"), manifest.get("height")
            if not (isinstance(w, int) and isinstance(h, int) and 0 < w <= limits.max_side
                    and 0 < h <= limits.max_side and w * h <= limits.max_pixels):
                raise ProjectError(f"{path}: bad or too large image size {w!r}x{h!r}")
            settings = SessionSettings.from_dict(manifest.get("settings", {}), str(path))
            try:
                adjustments = EdgeAdjustments.from_dict(manifest.get("adjustments", {}))
            except ProjectError as e:
                raise ProjectError(f"{path}: {e}") from None
            trimap = decode_png(read_member(z, TRIMAP, 4 * w * h + 4096, path), TRIMAP, path)
            if trimap.dtype != np.uint8 or trimap.ndim != 2:
                raise ProjectError(f"{path}: the trimap must be 8-bit gray")
            check_trimap(trimap, (h, w))
            image_ref = manifest.get("image")
            if not isinstance(image_ref, dict):
                raise ProjectError(f"{path}: the manifest does not say where the photo is")
            extra = _read_extras(z, manifest, path, (h, w), limits)
            if "embedded" in image_ref:
                image = read_layer(z, IMAGE, path, (h, w, 3))
                return Project(trimap, settings, None, image, adjustments, **extra)
            sha = image_ref.get("sha256")
            if sha is not None and not (isinstance(sha, str) and len(sha) == 64):
                raise ProjectError(f"{path}: the photo's sha256 in the manifest is malformed")
            return Project(trimap, settings, _resolve_photo(image_ref.get("path"), path), None,
                           adjustments, photo_sha256=sha, **extra)
    except ProjectError:
        raise
    except MatteError as e:
        raise ProjectError(f"{path}: {e}") from None
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile, zipfile.LargeZipFile,
            NotImplementedError, RuntimeError, ValueError) as e:
        # zipfile reports damaged archives with all of these (found by fuzzing:
        # tests/data/fuzz), e.g. NotImplementedError for an unknown compression method.
        raise ProjectError(f"cannot open project {path}: {e}") from None
