"""Fetching a model from the Hugging Face Hub, verified, installed atomically.

huggingface_hub does the transfer (the Hub's resolve endpoints, redirects, resuming a
partial file with an HTTP Range request, retrying a dropped connection); this module
adds what a user of an editor needs around it: one commit for all the files, each
file's hash checked before anything is installed, progress and cancellation through
the engines' :data:`~matteditor.engines.base.ProgressFn` / CancelToken conventions,
and one clear line when the Hub cannot be reached.  A cancelled or interrupted
download leaves its partial file in ``<models>/.downloads/NAME`` and the next fetch
resumes it; nothing is installed until every file is complete and verified.
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
from pathlib import Path
from typing import Callable, Protocol

from ..errors import Cancelled, ModelError
from ..paths import models_dir
from .registry import ModelFile, ModelSpec
from .store import InstalledModel, install, sha256_of

log = logging.getLogger(__name__)

#: progress(bytes done, bytes in all, file being fetched)
ByteProgress = Callable[[int, int, str], None]

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


class _ByteReporter:
    """Takes huggingface_hub's progress-bar calls (a tqdm look-alike) and reports them
    as bytes of the whole model; checks for cancellation on every chunk."""

    def __init__(self, on_bytes: Callable[[int], None], **kwargs) -> None:
        self._on_bytes = on_bytes
        self.n = int(kwargs.get("initial") or 0)
        self.total = kwargs.get("total")
        if self.n:
            on_bytes(self.n)

    def update(self, n: int = 1) -> None:
        self.n += n
        self._on_bytes(n)

    def close(self) -> None:
        pass

    def set_description(self, *args, **kwargs) -> None:
        pass

    def __enter__(self) -> "_ByteReporter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def fetch(spec: ModelSpec, *, endpoint: str | None = None, token: str | bool | None = None,
          progress: ByteProgress | None = None, cancel: _Cancel | None = None
          ) -> InstalledModel:
    """Download ``spec`` from the Hub (``endpoint``: another Hub or a mirror; default
    huggingface_hub's, which honours ``HF_ENDPOINT``), verify it and install it.

    Raises ModelError when the Hub cannot be reached, a file is missing there, or a
    file does not match its hash (nothing is installed then), and Cancelled when
    ``cancel`` is set (the partial file is kept and resumed by the next fetch).
    """
    from huggingface_hub import get_hf_file_metadata, hf_hub_download, hf_hub_url
    from huggingface_hub.errors import EntryNotFoundError

    work = models_dir() / ".downloads" / spec.name
    revision = spec.revision
    metas = {}
    for file in spec.files:
        url = hf_hub_url(spec.repo_id, file.path, revision=revision, endpoint=endpoint)
        try:
            meta = get_hf_file_metadata(url, token=token, endpoint=endpoint)
        except EntryNotFoundError:
            if file.required:
                raise ModelError(f"{spec.repo_id} has no {file.path} at revision {revision}; "
                                 f"this version of matteditor cannot install {spec.name!r}"
                                 ) from None
            continue
        except Exception as e:  # httpx's, the OS's, huggingface_hub's: all "not reachable"
            log.debug("metadata of %s failed", url, exc_info=True)
            raise _unreachable(spec, e) from None
        if not _is_commit(revision):
            if not meta.commit_hash:
                raise ModelError(f"{url} named no commit; cannot pin {spec.name!r}")
            revision = meta.commit_hash   # every file from the commit the branch is on now
        metas[file.path] = meta
    total = sum(int(m.size or 0) for m in metas.values())
    done = 0

    def on_bytes(n: int) -> None:
        nonlocal done
        done += n
        if cancel is not None:
            cancel.raise_if_cancelled()
        if progress is not None:
            progress(done, total, current)

    paths: dict[str, Path] = {}
    for file in spec.files:
        if file.path not in metas:
            continue
        current = file.path
        try:
            local = hf_hub_download(spec.repo_id, file.path, revision=revision,
                                    local_dir=work, endpoint=endpoint, token=token,
                                    tqdm_class=lambda **kw: _ByteReporter(on_bytes, **kw))
        except (Cancelled, ModelError):
            raise
        except Exception as e:
            log.debug("download of %s failed", file.path, exc_info=True)
            raise _unreachable(spec, e) from None
        path = Path(local)
        _verify(spec, file, path, metas[file.path].etag)
        paths[file.path] = path
    model = install(spec, paths, revision=revision, source=spec.url, move=True)
    shutil.rmtree(work, ignore_errors=True)
    return model
