"""A Hugging Face Hub stand-in on 127.0.0.1 for the download tests: it answers the
``/{repo}/resolve/{revision}/{file}`` endpoint as the Hub does (the commit in
``X-Repo-Commit``; small files served directly with their git blob id as ETag;
large files redirected to a storage URL on another origin with their SHA-256 in
``X-Linked-Etag`` and their size in ``X-Linked-Size``; HTTP Range requests), and can
corrupt a file or drop the connection part-way through one."""

from __future__ import annotations

import hashlib
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class FakeHub:
    """Serves the files of one repository at one commit; ``large`` files go through
    the LFS-style redirect."""

    def __init__(self, repo_id: str, folder: Path, large: tuple[str, ...] = ("model.safetensors",),
                 commit: str = "0123456789abcdef0123456789abcdef01234567") -> None:
        self.repo_id, self.commit, self.large = repo_id, commit, large
        self.files = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
        self.served = dict(self.files)         # what a GET returns (tests may corrupt it)
        self.drop_after: dict[str, int] = {}   # file -> bytes sent before one dropped connection
        self.pause = 0.0                       # seconds between 16 kB pieces of a large file
        self.requests: list[tuple[str, str, str | None]] = []   # (method, path, Range)
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_HEAD(self) -> None:
                hub._answer(self, body=False)

            def do_GET(self) -> None:
                hub._answer(self, body=True)

        # the Hub and its storage on two ports: two origins, as huggingface.co and its
        # CDN are (huggingface_hub follows a redirect within the Hub's origin itself)
        self._servers = [ThreadingHTTPServer(("127.0.0.1", 0), Handler) for _ in range(2)]
        self.url, self.storage = (f"http://127.0.0.1:{s.server_address[1]}" for s in self._servers)
        self._threads = [threading.Thread(target=s.serve_forever, daemon=True)
                         for s in self._servers]

    def __enter__(self) -> "FakeHub":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()

    def _answer(self, handler: BaseHTTPRequestHandler, body: bool) -> None:
        self.requests.append((handler.command, handler.path, handler.headers.get("Range")))
        lfs = re.fullmatch(r"/lfs/([0-9a-f]{64})/(.+)", handler.path)
        if lfs:
            return self._send_content(handler, lfs.group(2), body)
        m = re.fullmatch(rf"/{re.escape(self.repo_id)}/resolve/([^/]+)/(.+)", handler.path)
        if m is None:
            return self._error(handler, 404, "RepoNotFound")
        revision, name = m.groups()
        if revision not in ("main", self.commit):
            return self._error(handler, 404, "RevisionNotFound")
        if name not in self.files:
            return self._error(handler, 404, "EntryNotFound")
        data = self.files[name]
        if name in self.large:
            sha = hashlib.sha256(data).hexdigest()
            handler.send_response(302)
            handler.send_header("Location", f"{self.storage}/lfs/{sha}/{name}")
            handler.send_header("X-Repo-Commit", self.commit)
            handler.send_header("X-Linked-Etag", f'"{sha}"')
            handler.send_header("X-Linked-Size", str(len(data)))
            handler.send_header("ETag", f'"{git_blob_id(data)}"')
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        handler.send_response(200)
        handler.send_header("X-Repo-Commit", self.commit)
        handler.send_header("ETag", f'"{git_blob_id(data)}"')
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        if body:
            handler.wfile.write(self.served[name])

    def _send_content(self, handler: BaseHTTPRequestHandler, name: str, body: bool) -> None:
        data = self.served[name]
        start = 0
        asked = handler.headers.get("Range")
        if asked:
            start = int(re.fullmatch(r"bytes=(\d+)-\d*", asked).group(1))
            handler.send_response(206)
            handler.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            handler.send_response(200)
        handler.send_header("Content-Length", str(len(data) - start))
        handler.end_headers()
        if not body:
            return
        drop = self.drop_after.pop(name, None)
        if drop is not None:
            handler.wfile.write(data[start:start + drop])
            handler.wfile.flush()
            handler.close_connection = True
            handler.connection.shutdown(2)
            return
        if self.pause:
            for i in range(start, len(data), 16384):
                handler.wfile.write(data[i:i + 16384])
                handler.wfile.flush()
                time.sleep(self.pause)
            return
        handler.wfile.write(data[start:])

    @staticmethod
    def _error(handler: BaseHTTPRequestHandler, code: int, kind: str) -> None:
        handler.send_response(code)
        handler.send_header("X-Error-Code", kind)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
