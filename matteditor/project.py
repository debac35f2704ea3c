"""Project files: one editing session (photo, trimap, settings) in one file.

A project is a zip archive holding ``manifest.json``, ``trimap.png`` (8-bit
gray) and, when the photo is embedded, ``image.png`` (16-bit RGB).  The
manifest refers to the photo by a path relative to the project file when
the photo lies in the project's folder (so the pair can be moved together),
by an absolute path otherwise.  Writes are atomic.  Only the three member
names above are ever read, relative photo paths may not climb out of the
project's folder, and sizes are checked before anything is decoded; any
problem is a :class:`ProjectError` naming the file and the reason.

No Qt here; the editor maps its widgets to :class:`SessionSettings`.
"""

from __future__ import annotations

import json
import os
import zipfile
import zlib
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import cv2
import numpy as np

from .errors import ImageLoadError, MatteError, ProjectError
from .edges import EdgeAdjustments
from .imageio import ImageLimits, atomic_write, encode_image, load_image
from .trimap import check_trimap
from .views import ViewMode

PROJECT_SUFFIX = ".mattproj"
FORMAT = "matteditor-project"
VERSION = 1
MANIFEST, TRIMAP, IMAGE = "manifest.json", "trimap.png", "image.png"
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
    """

    trimap: np.ndarray
    settings: SessionSettings = SessionSettings()
    image_path: Path | None = None
    image: np.ndarray | None = None
    adjustments: EdgeAdjustments = EdgeAdjustments()

    @property
    def photo_missing(self) -> bool:
        """True when the project refers to a photo file that is no longer there
        (moved, renamed or deleted); an embedded photo is never missing."""
        return self.image is None and self.image_path is not None \
            and not self.image_path.exists()

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
        trimap_png = encode_image(project.trimap, "PNG", path=path)
        image_png = encode_image(project.image, "PNG", bits=16, path=path) if embed else None
        with atomic_write(path) as tmp:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as z:
                z.writestr(MANIFEST, json.dumps(manifest, indent=2))
                z.writestr(TRIMAP, trimap_png)  # PNG is compressed already
                if image_png is not None:
                    z.writestr(IMAGE, image_png)
    except ProjectError:
        raise
    except MatteError as e:
        raise ProjectError(f"cannot save project {path}: {e}") from None


def _read_member(z: zipfile.ZipFile, name: str, limit: int, path: Path) -> bytes:
    try:
        info = z.getinfo(name)
    except KeyError:
        raise ProjectError(f"{path} is not a complete project: {name} is missing") from None
    if info.file_size > limit:
        raise ProjectError(f"{path}: {name} is implausibly large ({info.file_size} bytes)")
    return z.read(info)


def _decode_png(data: bytes, name: str, path: Path) -> np.ndarray:
    arr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if arr is None:
        raise ProjectError(f"{path}: {name} is not a readable PNG")
    return arr


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


def load_project(path: str | os.PathLike, limits: ImageLimits = ImageLimits()) -> Project:
    """Read a project written by :func:`save_project` (the photo itself is read by
    :meth:`Project.load_photo`).  Raises ProjectError naming the file and the reason."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as z:
            try:
                manifest = json.loads(_read_member(z, MANIFEST, MAX_MANIFEST_BYTES, path))
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
            trimap = _decode_png(_read_member(z, TRIMAP, 4 * w * h + 4096, path), TRIMAP, path)
            if trimap.dtype != np.uint8 or trimap.ndim != 2:
                raise ProjectError(f"{path}: the trimap must be 8-bit gray")
            check_trimap(trimap, (h, w))
            image_ref = manifest.get("image")
            if not isinstance(image_ref, dict):
                raise ProjectError(f"{path}: the manifest does not say where the photo is")
            if "embedded" in image_ref:
                raw = _decode_png(_read_member(z, IMAGE, 8 * w * h + 4096, path), IMAGE, path)
                if raw.ndim != 3 or raw.shape[2] != 3 or raw.shape[:2] != (h, w):
                    raise ProjectError(f"{path}: the embedded photo is not {w}x{h} RGB")
                top = 65535.0 if raw.dtype == np.uint16 else 255.0
                image = cv2.cvtColor(raw, cv2.COLOR_BGR2RGB).astype(np.float32) / np.float32(top)
                return Project(trimap, settings, None, image, adjustments)
            return Project(trimap, settings, _resolve_photo(image_ref.get("path"), path), None,
                           adjustments)
    except ProjectError:
        raise
    except MatteError as e:
        raise ProjectError(f"{path}: {e}") from None
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile, zipfile.LargeZipFile,
            NotImplementedError, RuntimeError, ValueError) as e:
        # zipfile reports damaged archives with all of these (found by fuzzing:
        # tests/data/fuzz), e.g. NotImplementedError for an unknown compression method.
        raise ProjectError(f"cannot open project {path}: {e}") from None
