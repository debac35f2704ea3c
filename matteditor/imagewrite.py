"""Writing PNG/JPEG files atomically (re-exported by :mod:`matteditor.imageio`).

A file is encoded in memory, written to a temporary file in the target
folder, fsynced and renamed over the target, so a crash, a full disk or a
read-only folder never leaves a partial file or damages the previous one.
Every failure is an :class:`ExportError` naming the path and the reason.

A process killed while writing leaves its temporary file behind (a hidden
``.<stem>.<8 hex digits>.tmp.<ext>``).  The writer holds an advisory lock
(``flock``) on it while it writes, which the kernel drops when the process
dies, so :func:`remove_stale_temporaries` can tell a dead writer's file from
one being written now by another process, and removes only the former.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
import time
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from .errors import ExportError

try:
    import fcntl
except ImportError:  # Windows: no flock; temporaries are then removed only by age
    fcntl = None

PathLike = str | os.PathLike
#: What :func:`_create_temp` names its files (and nothing a user would name a photo).
TEMPORARY_NAME = re.compile(r"^\..+\.[0-9a-f]{8}\.tmp(\.[^.]*)?$")
#: Without flock, a temporary file untouched for this long is taken as left behind.
STALE_AGE_S = 3600


def is_temporary(path: PathLike) -> bool:
    """True for the name of a temporary file of :func:`atomic_write`."""
    return TEMPORARY_NAME.match(Path(path).name) is not None


def _export_fail(path: Path, e: OSError) -> ExportError:
    reason = e.strerror or str(e)
    if e.errno == errno.ENOSPC:
        reason = "the disk is full (no space left on device)"
    elif e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        reason = f"permission denied: the folder {path.parent} is not writable ({reason})"
    return ExportError(f"could not write {path}: {reason}")


def _create_temp(path: Path) -> tuple[Path, int]:
    """A new empty file next to ``path`` with the same extension (encoders pick
    the format by extension), and an open descriptor holding its lock.  Created
    with mode 0o666 minus umask, unlike tempfile.mkstemp's 0o600, so the final
    file gets normal permissions."""
    for _ in range(100):
        # The stem is shortened so that the name stays within file-system limits.
        tmp = path.with_name(f".{path.stem[:80]}.{secrets.token_hex(4)}.tmp{path.suffix[:16]}")
        try:
            fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0),
                         0o666)
        except FileExistsError:
            continue
        if fcntl is not None:
            with contextlib.suppress(OSError):  # a file system without locks: age decides
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return tmp, fd
    raise FileExistsError(errno.EEXIST, "could not find a free temporary file name")


def _abandoned(path: Path) -> bool:
    """True if no live process is writing the temporary file ``path``."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except OSError:
        return False
    try:
        if fcntl is None:
            return time.time() - os.fstat(fd).st_mtime > STALE_AGE_S
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # its writer holds the lock: it is alive
        except OSError:  # no locks on this file system: fall back on the age
            return time.time() - os.fstat(fd).st_mtime > STALE_AGE_S
        return True
    finally:
        os.close(fd)


def remove_stale_temporaries(folder: PathLike) -> int:
    """Delete the temporary files that killed writers left in ``folder``, never one
    that a running process is writing; returns how many were removed."""
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        if is_temporary(entry.name) and entry.is_file(follow_symlinks=False) \
                and _abandoned(Path(entry.path)):
            try:
                os.remove(entry.path)
            except OSError:
                continue
            removed += 1
    return removed


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable (POSIX only; Windows cannot open folders)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on folders; the data itself is synced
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_write(path: PathLike) -> Iterator[Path]:
    """Yield a temporary path in the folder of ``path``; on success it is
    fsynced and renamed over ``path``, on any failure it is removed and
    ``path`` is left as it was.

    Raises:
        ExportError (from OSError: read-only folder, full disk...) naming ``path``.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise ExportError(f"could not write {path}: the folder {path.parent} does not exist")
    if path.is_dir():
        raise ExportError(f"could not write {path}: a folder of that name exists")
    try:
        tmp, lock = _create_temp(path)
    except OSError as e:
        raise _export_fail(path, e) from e
    try:
        yield tmp
        if path.exists():
            with contextlib.suppress(OSError):
                os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))
        _fsync(tmp)
        os.replace(tmp, path)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        if isinstance(e, OSError):
            raise _export_fail(path, e) from e
        raise
    finally:
        os.close(lock)
    _fsync_dir(path.parent)


def atomic_write_text(path: PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through :func:`atomic_write`: the
    file holds either its previous content or all of ``text``.

    Raises:
        ExportError naming ``path`` (read-only folder, full disk...).
    """
    with atomic_write(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)


_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}


def _quantise(array: np.ndarray, bits: int, path: Path) -> np.ndarray:
    a = np.asarray(array)
    top = (1 << bits) - 1
    dtype = np.uint8 if bits == 8 else np.uint16
    if a.dtype == dtype:
        return a
    if a.dtype.kind != "f":
        raise ExportError(f"could not write {path}: expected float pixels in [0, 1], "
                          f"got {a.dtype}")
    if not np.isfinite(a).all():
        raise ExportError(f"could not write {path}: the image holds NaN or infinite values")
    f = np.clip(a, 0, 1).astype(np.float32, copy=False)  # a new array: safe to work in place
    f *= np.float32(top)
    np.rint(f, out=f)  # round to nearest, not truncate
    return f.astype(dtype)


def encode_image(array: np.ndarray, fmt: str, *, bits: int = 8, quality: int = 95,
                 path: Path = Path("image")) -> bytes:
    """Encode to PNG or JPEG bytes (see :func:`save_image` for the arguments)."""
    a = np.asarray(array)
    channels = 1 if a.ndim == 2 else (a.shape[2] if a.ndim == 3 else 0)
    if channels not in (1, 3, 4) or a.size == 0:
        raise ExportError(f"could not write {path}: expected an H x W, H x W x 3 or "
                          f"H x W x 4 image, got shape {a.shape}")
    if bits not in (8, 16):
        raise ExportError(f"could not write {path}: bits must be 8 or 16, not {bits}")
    if fmt == "JPEG":
        if channels == 4:
            raise ExportError(f"could not write {path}: JPEG has no transparency; "
                              "composite over a background first or save as PNG")
        if bits != 8:
            raise ExportError(f"could not write {path}: JPEG is 8-bit only; use PNG for 16 bits")
        if not 1 <= quality <= 100:
            raise ExportError(f"could not write {path}: JPEG quality must be 1-100, not {quality}")
    q = _quantise(a, bits, path)
    if channels == 3:
        q = cv2.cvtColor(q, cv2.COLOR_RGB2BGR)
    elif channels == 4:
        q = cv2.cvtColor(q, cv2.COLOR_RGBA2BGRA)
    params = [cv2.IMWRITE_JPEG_QUALITY, int(quality)] if fmt == "JPEG" else []
    try:
        ok, buf = cv2.imencode(".jpg" if fmt == "JPEG" else ".png", q, params)
    except cv2.error as e:
        raise ExportError(f"could not write {path}: the encoder failed ({e.err})") from None
    if not ok:
        raise ExportError(f"could not write {path}: the {fmt} encoder failed")
    return buf.tobytes()


def save_image(path: PathLike, array: np.ndarray, *, bits: int = 8, quality: int = 95) -> None:
    """Write ``array`` atomically as PNG or JPEG, chosen by the extension.

    Args:
        array: float in [0, 1] (rounded to nearest on quantising): H x W gray,
            H x W x 3 RGB or H x W x 4 RGBA (PNG only).  uint8 / uint16
            arrays matching ``bits`` are written as they are.
        bits: 8 or 16 (PNG only).
        quality: JPEG quality 1-100.
    Raises:
        ExportError naming the path and reason; a previous file at ``path``
        is left intact and no partial file remains.
    """
    path = Path(path)
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ExportError(f"could not write {path}: unsupported extension "
                          f"'{path.suffix}'; use .png or .jpg")
    data = encode_image(array, fmt, bits=bits, quality=quality, path=path)
    with atomic_write(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)
