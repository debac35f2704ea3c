"""Installed models: one folder per model under :func:`matteditor.paths.models_dir`.

A folder counts as installed only when it holds the manifest
(``matteditor-model.json``) written last by :func:`install`: the Hub commit (or the
folder it was imported from) and each file's size and SHA-256.  Files are gathered
in a hidden staging folder beside it and the folder is renamed into place in one
step, so an interrupted download or import never looks like a model.
:func:`verified_dir` checks every hash before a model is loaded, so a damaged or
truncated file is refused with its name, never half-loaded.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import struct
import uuid
from dataclasses import dataclass
from pathlib import Path

from ..errors import ModelError
from ..paths import MODELS_ENV, models_dir
from .registry import ModelSpec

log = logging.getLogger(__name__)

MANIFEST = "matteditor-model.json"
MANIFEST_FORMAT = "matteditor-model/1"
_CHUNK = 1 << 20
#: a safetensors header larger than this is not one (the format caps it at 100 MB)
_MAX_HEADER = 100 << 20


@dataclass(frozen=True)
class InstalledModel:
    """An installed model: its folder, the revision it came from, and its files as
    ``{path: (size in bytes, sha256)}``."""

    spec: ModelSpec
    path: Path
    revision: str
    source: str
    files: dict[str, tuple[int, str]]

    @property
    def size_mb(self) -> float:
        return sum(size for size, _ in self.files.values()) / 1e6


def model_path(spec: ModelSpec) -> Path:
    return models_dir() / spec.name


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def installed_model(spec: ModelSpec) -> InstalledModel | None:
    """The installed copy of ``spec`` as its manifest describes it, or None when there
    is none (or the manifest is unreadable).  Files are not checked here."""
    folder = model_path(spec)
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        if data.get("format") != MANIFEST_FORMAT or data.get("name") != spec.name:
            return None
        files = {str(k): (int(v["size"]), str(v["sha256"])) for k, v in data["files"].items()}
        return InstalledModel(spec, folder, str(data.get("revision", "")),
                              str(data.get("source", "")), files)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def installed(spec: ModelSpec) -> bool:
    """Whether ``spec`` is installed and its files have their recorded sizes (quick:
    no hashing; :func:`verified_dir` hashes before use)."""
    model = installed_model(spec)
    if model is None:
        return False
    try:
        return all((model.path / name).stat().st_size == size
                   for name, (size, _) in model.files.items())
    except OSError:
        return False


def missing_message(spec: ModelSpec) -> str:
    """The one line that tells a user how to get ``spec``."""
    return (f"model {spec.name!r} ({spec.label}, {spec.summary}) is not installed in "
            f"{models_dir()}; download it with 'matteditor models fetch {spec.name}' "
            f"(needs the internet), or on an offline machine copy a folder saved with "
            f"save_pretrained and run 'matteditor models import {spec.name} FOLDER' "
            f"(${MODELS_ENV} sets where models are kept)")


def verified_dir(spec: ModelSpec) -> Path:
    """The folder of installed model ``spec`` after checking every file's size and
    SHA-256 against the manifest; ModelError naming the damaged file (or how to
    install the model) otherwise."""
    model = installed_model(spec)
    if model is None:
        raise ModelError(missing_message(spec))
    for name, (size, digest) in model.files.items():
        path = model.path / name
        try:
            actual = path.stat().st_size
        except OSError:
            raise ModelError(f"model {spec.name!r} is damaged: {path} is missing; install it "
                             f"again ('matteditor models fetch {spec.name}')") from None
        if actual != size or sha256_of(path) != digest:
            raise ModelError(f"model {spec.name!r} is damaged: {path} is not the file that was "
                             f"installed ({actual} bytes, expected {size}, or its SHA-256 "
                             f"differs); install it again ('matteditor models fetch "
                             f"{spec.name}')")
    return model.path


def check_safetensors(path: Path) -> None:
    """ModelError unless ``path`` is a complete safetensors file: an 8-byte header
    length, a JSON header, and tensor data that ends exactly at the end of the file
    (so a truncated download is caught without loading anything)."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(8)
            if len(head) < 8:
                raise ModelError(f"{path} is not a safetensors file (only {size} bytes)")
            (n,) = struct.unpack("<Q", head)
            if n > min(_MAX_HEADER, size - 8):
                raise ModelError(f"{path} is not a safetensors file, or is truncated "
                                 f"(header of {n} bytes in a file of {size})")
            header = json.loads(f.read(n))
    except (OSError, ValueError, UnicodeDecodeError) as e:
        raise ModelError(f"{path} is not a readable safetensors file: {e}") from None
    if not isinstance(header, dict):
        raise ModelError(f"{path} is not a safetensors file (its header is not a table)")
    ends = [t["data_offsets"][1] for k, t in header.items()
            if k != "__metadata__" and isinstance(t, dict) and "data_offsets" in t]
    if not ends:
        raise ModelError(f"{path} holds no tensors")
    expected = 8 + n + max(ends)
    if size != expected:
        raise ModelError(f"{path} is truncated or damaged: {size} bytes, its header "
                         f"describes {expected}")


def _check_config(spec: ModelSpec, path: Path) -> None:
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ModelError(f"{path} is not a readable JSON config: {e}") from None
    kind = config.get("model_type") if isinstance(config, dict) else None
    if kind != spec.architecture:
        raise ModelError(f"{path} describes a {kind!r} model; {spec.name!r} needs a "
                         f"{spec.architecture!r} model (config.json's model_type)")


def validate(spec: ModelSpec, files: dict[str, Path]) -> None:
    """ModelError unless ``files`` (repository path -> local file) make a usable copy
    of ``spec``: every required file present, ``config.json`` of the right
    architecture, the weights a complete safetensors file, other JSON readable."""
    for f in spec.files:
        if f.required and f.path not in files:
            raise ModelError(f"model {spec.name!r} needs {f.path}, which is missing")
    for name, path in files.items():
        if name == "config.json":
            _check_config(spec, path)
        elif name == spec.weights:
            check_safetensors(path)
        elif name.endswith(".json"):
            try:
                json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as e:
                raise ModelError(f"{path} is not readable JSON: {e}") from None


def install(spec: ModelSpec, files: dict[str, Path], *, revision: str, source: str,
            move: bool = False) -> InstalledModel:
    """Install ``files`` (repository path -> local file, already verified by the
    caller where a hash was expected) as model ``spec``, replacing any installed
    copy only once the new one is complete.  ``move``: the sources are temporary
    files of the caller's and may be moved rather than copied."""
    validate(spec, files)
    root = models_dir()
    try:
        root.mkdir(parents=True, exist_ok=True)
        _clean_stale(root, spec)
        staging = root / f".{spec.name}.{uuid.uuid4().hex[:8]}.partial"
        staging.mkdir()
    except OSError as e:
        raise ModelError(f"cannot write to the models folder {root}: {e.strerror or e} "
                         f"(set ${MODELS_ENV} to another folder)") from None
    try:
        records = {}
        for name, src in files.items():
            dst = staging / name
            dst.parent.mkdir(parents=True, exist_ok=True)
            if move:
                shutil.move(src, dst)
            else:
                shutil.copyfile(src, dst)
            records[name] = {"size": dst.stat().st_size, "sha256": sha256_of(dst)}
        manifest = {"format": MANIFEST_FORMAT, "name": spec.name, "repo_id": spec.repo_id,
                    "revision": revision, "source": source, "licence": spec.licence,
                    "files": records}
        with open(staging / MANIFEST, "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=1)
            f.flush()
            os.fsync(f.fileno())
        _swap_into_place(staging, root / spec.name)
    except OSError as e:
        shutil.rmtree(staging, ignore_errors=True)
        raise ModelError(f"could not install {spec.name!r} into {root}: "
                         f"{e.strerror or e}") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    model = installed_model(spec)
    if model is None:  # cannot happen unless the folder was removed under us
        raise ModelError(f"installing {spec.name!r} into {root} did not take effect")
    log.info("installed %s (%s) in %s", spec.name, revision, model.path)
    return model


def _swap_into_place(staging: Path, final: Path) -> None:
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.{uuid.uuid4().hex[:8]}.old")
        os.replace(final, old)
    os.replace(staging, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _clean_stale(root: Path, spec: ModelSpec) -> None:
    """Remove staging folders left by an install that was killed."""
    for stale in root.glob(f".{spec.name}.*"):
        if stale.is_dir() and stale.suffix in (".partial", ".old"):
            shutil.rmtree(stale, ignore_errors=True)


def import_folder(spec: ModelSpec, folder: str | Path) -> InstalledModel:
    """Install ``spec`` from a folder written by transformers' ``save_pretrained``
    (``config.json`` + ``model.safetensors`` [+ ``preprocessor_config.json``]), e.g.
    carried over from a machine with internet access.  A folder with only pickled
    weights (``pytorch_model.bin``) is refused: they are never loaded."""
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise ModelError(f"{folder} is not a folder; give the folder written by "
                         f"save_pretrained (config.json, {spec.weights})")
    files = {f.path: folder / f.path for f in spec.files if (folder / f.path).is_file()}
    if spec.weights not in files and any(folder.glob("*.bin")):
        raise ModelError(f"{folder} holds pickled weights (*.bin) only; matteditor loads "
                         f"safetensors only: save the model with "
                         f"save_pretrained(..., safe_serialization=True)")
    return install(spec, files, revision="imported", source=f"import from {folder.resolve()}")


def remove(spec: ModelSpec) -> bool:
    """Delete the installed copy of ``spec``; False if there was none."""
    folder = model_path(spec)
    if not folder.exists():
        return False
    try:
        shutil.rmtree(folder)
    except OSError as e:
        raise ModelError(f"could not remove {folder}: {e.strerror or e}") from None
    return True
