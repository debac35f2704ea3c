"""Fetching a model from the Hugging Face Hub, verified, installed atomically.

huggingface_hub speaks the Hub's protocol: the resolve URLs, each file's metadata (the
commit a branch is on, the file's size, its published hash, where its bytes are
stored: the CDN a large file redirects to), the Hub's errors.  This module adds what
an editor's user needs around it: one commit for all the files, a transfer that
resumes across runs (:func:`_transfer`), each file's hash checked before anything is
installed, progress and cancellation, and one clear line when the Hub cannot be
reached.  A cancelled, interrupted or killed download leaves its partial file in
``<models>/.downloads/NAME/COMMIT`` and the next fetch resumes it; nothing is
installed until every file is complete and verified.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import re
import shutil
import time
import urllib.request
from pathlib import Path
from typing import Callable, Protocol

from .. import __version__
from ..errors import Cancelled, ModelError
from ..paths import models_dir
from .registry import ModelFile, ModelSpec
from .store import InstalledModel, install, sha256_of

log = logging.getLogger(__name__)

#: progress(bytes done, bytes in all, file being fetched)
ByteProgress = Callable[[int, int, str], None]

_CHUNK = 256 * 1024     # bytes read between progress reports and cancellation checks
_TIMEOUT = 30           # seconds without an answer before a try counts as failed
_RETRIES = 5            # tries in a row without progress before giving up
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_GIT_SHA1 = re.compile(r"^[0-9a-f]{40}$")


class _Cancel(Protocol):
    def raise_if_cancelled(self) -> None: ...


def _is_commit(revision: str) -> bool:
    return bool(_GIT_SHA1.match(revision))


def _git_blob_sha1(path: Path) -> str:
    """The id git gives a file's content (what the Hub reports for files not in LFS)."""
    digest = hashlib.sha1(f"blob {path.stat().st_size}\0".encode())
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _unreachable(spec: ModelSpec, error: BaseException) -> ModelError:
    reason = " ".join(str(error).split())[:200] or type(error).__name__
    return ModelError(f"could not download {spec.name!r} from {spec.url} ({reason}); check "
                      f"the internet connection and try again, or on an offline machine copy "
                      f"a folder saved with save_pretrained and run 'matteditor models import "
                      f"{spec.name} FOLDER'")


def _verify(spec: ModelSpec, file: ModelFile, path: Path, published: str | None) -> None:
    """ModelError (and the bad file deleted, so the next fetch starts it afresh)
    unless ``path`` has the pinned SHA-256, or else the hash the Hub published."""
    expected = file.sha256 or published
    if expected is None:
        log.warning("%s: no hash to check %s against (the Hub sent none)", spec.name, file.path)
        return
    expected = expected.strip('"').lower()
    if _SHA256.match(expected):
        actual, kind = sha256_of(path), "SHA-256"
    elif _GIT_SHA1.match(expected):
        actual, kind = _git_blob_sha1(path), "git blob id"
    else:
        log.warning("%s: the Hub's hash for %s is in no known form (%r); not checked",
                    spec.name, file.path, expected)
        return
    if actual != expected:
        path.unlink(missing_ok=True)
        raise ModelError(f"the download of {spec.name!r} is damaged: {file.path} has {kind} "
                         f"{actual[:12]}..., expected {expected[:12]}...; nothing was "
                         f"installed, run 'matteditor models fetch {spec.name}' again")


def _transfer(url: str, part: Path, size: int | None, on_bytes: Callable[[int], None]) -> None:
    """Bring ``part`` up to the whole file at ``url``, appending to what an earlier,
    interrupted transfer left there (HTTP Range); a dropped connection is resumed up to
    :data:`_RETRIES` times in a row without progress.

    Written here rather than taken from huggingface_hub: its ``hf_hub_download`` (2.x)
    resumes only within one call and deletes the partial file on any failure, so a
    cancelled or killed download of a 100-400 MB model would start again from zero.
    """
    part.parent.mkdir(parents=True, exist_ok=True)
    failures, reported = 0, 0   # reported: bytes of this file already counted in on_bytes
    while True:
        have = part.stat().st_size if part.exists() else 0
        if size is not None and have > size:
            part.unlink()
            have = 0
        if size is not None and have == size:
            return
        request = urllib.request.Request(url, headers={
            "Accept-Encoding": "identity", "User-Agent": f"matteditor/{__version__}",
            **({"Range": f"bytes={have}-"} if have else {})})
        try:
            with urllib.request.urlopen(request, timeout=_TIMEOUT) as response:
                if have and response.status != 206:   # the server ignored the Range
                    have = 0
                with open(part, "ab" if have else "wb") as out:
                    on_bytes(have - reported)
                    reported = have
                    while True:
                        try:
                            chunk = response.read(_CHUNK)
                        except http.client.IncompleteRead as e:   # keep what did arrive
                            out.write(e.partial)
                            reported += len(e.partial)
                            raise
                        if not chunk:
                            break
                        out.write(chunk)
                        reported += len(chunk)
                        on_bytes(len(chunk))
            if size is None:
                return
            failures = 0 if part.stat().st_size > have else failures + 1
        except (http.client.HTTPException, ConnectionError, TimeoutError) as e:
            grew = part.exists() and part.stat().st_size > have
            failures = 0 if grew else failures + 1
            log.warning("download of %s interrupted (%s); resuming", url, e)
        if failures > _RETRIES:
            raise ConnectionError(f"no progress downloading {url} after {_RETRIES} tries")
        time.sleep(0.2 * failures)


def fetch(spec: ModelSpec, *, endpoint: str | None = None, token: str | bool | None = None,
          progress: ByteProgress | None = None, cancel: _Cancel | None = None
          ) -> InstalledModel:
    """Download ``spec`` from the Hub (``endpoint``: another Hub or a mirror; default
    huggingface_hub's, which honours ``HF_ENDPOINT``), verify it and install it.

    Raises ModelError when the Hub cannot be reached, a file is missing there, or a
    file does not match its hash (nothing is installed then), and Cancelled when
    ``cancel`` is set (the partial file is kept and resumed by the next fetch).
    """
    from huggingface_hub import get_hf_file_metadata, hf_hub_url
    from huggingface_hub.errors import EntryNotFoundError

    def metadata(path: str, revision: str):
        url = hf_hub_url(spec.repo_id, path, revision=revision, endpoint=endpoint)
        try:
            return get_hf_file_metadata(url, token=token, endpoint=endpoint)
        except EntryNotFoundError:
            return None
        except Exception as e:  # httpx's, the OS's, huggingface_hub's: all "not reachable"
            log.debug("metadata of %s failed", url, exc_info=True)
            raise _unreachable(spec, e) from None

    revision = spec.revision
    if not _is_commit(revision):   # the commit the branch is on now: every file from it
        meta = metadata(spec.files[0].path, revision)
        if meta is None or not meta.commit_hash:
            raise ModelError(f"{spec.repo_id} at {revision} names no commit for "
                             f"{spec.files[0].path}; cannot install {spec.name!r}")
        revision = meta.commit_hash
    metas = {}
    for file in spec.files:
        meta = metadata(file.path, revision)
        if meta is None:
            if file.required:
                raise ModelError(f"{spec.repo_id} has no {file.path} at revision {revision}; "
                                 f"this version of matteditor cannot install {spec.name!r}")
            continue
        metas[file.path] = meta
    total = sum(int(m.size or 0) for m in metas.values())
    work = models_dir() / ".downloads" / spec.name / revision   # partial files, by commit
    done, current = 0, ""

    def on_bytes(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, total, current)
        if cancel is not None:
            cancel.raise_if_cancelled()

    paths: dict[str, Path] = {}
    for file in spec.files:
        meta = metas.get(file.path)
        if meta is None:
            continue
        current, part = file.path, work / f"{file.path}.part"
        try:
            _transfer(meta.location, part, meta.size, on_bytes)
        except (Cancelled, ModelError):
            raise
        except Exception as e:   # urllib's, the OS's: the line says what and what to do
            log.debug("download of %s failed", file.path, exc_info=True)
            raise _unreachable(spec, e) from None
        _verify(spec, file, part, meta.etag)
        paths[file.path] = part
    model = install(spec, paths, revision=revision, source=spec.url, move=True)
    shutil.rmtree(work.parent, ignore_errors=True)
    return model
