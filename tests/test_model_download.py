"""Downloading a model from a Hub: against a local stand-in of the Hub's resolve
endpoints on 127.0.0.1 (tests/fake_hub.py), with a tiny ViTMatte built here."""

from __future__ import annotations

import json
import socket

import pytest

pytest.importorskip("huggingface_hub")
pytest.importorskip("transformers")

from fake_hub import FakeHub  # noqa: E402
from matteditor.cli import run_cli  # noqa: E402
from matteditor.engines.base import CancelToken  # noqa: E402
from matteditor.errors import Cancelled, ModelError  # noqa: E402
from matteditor.models import installed_model, model_spec, verified_dir  # noqa: E402
from matteditor.models.download import fetch  # noqa: E402
from tiny_models import tiny_vitmatte  # noqa: E402

SPEC = model_spec("vitmatte")


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    return tiny_vitmatte(tmp_path_factory.mktemp("tiny-vitmatte"))


@pytest.fixture
def hub(saved):
    with FakeHub(SPEC.repo_id, saved) as hub:
        yield hub


def test_a_fetch_installs_every_file_from_one_commit_and_verifies(hub, models, saved):
    reports = []
    model = fetch(SPEC, endpoint=hub.url, progress=lambda d, t, f: reports.append((d, t)))
    assert model.revision == hub.commit
    for name, data in hub.files.items():
        assert (models / "vitmatte" / name).read_bytes() == data
    assert verified_dir(SPEC) == models / "vitmatte"
    total = sum(len(d) for d in hub.files.values())
    assert reports[-1] == (total, total)
    # every file after the first was asked for at the commit the branch pointed to
    resolved = [p for m, p, _ in hub.requests if "/resolve/" in p and m == "GET"]
    assert resolved and all(f"/resolve/{hub.commit}/" in p for p in resolved)
    assert not (models / ".downloads" / "vitmatte").exists()    # nothing left behind


def test_a_file_that_does_not_match_its_published_hash_is_never_installed(hub, models):
    weights = bytearray(hub.served["model.safetensors"])
    weights[-10] ^= 0xFF
    hub.served["model.safetensors"] = bytes(weights)
    with pytest.raises(ModelError, match="damaged.*model.safetensors"):
        fetch(SPEC, endpoint=hub.url)
    assert installed_model(SPEC) is None and not (models / "vitmatte").exists()


def test_a_dropped_connection_is_resumed_with_a_range_request(hub, models):
    size = len(hub.files["model.safetensors"])
    hub.drop_after["model.safetensors"] = size // 2
    fetch(SPEC, endpoint=hub.url)
    assert (models / "vitmatte" / "model.safetensors").read_bytes() == \
        hub.files["model.safetensors"]
    ranges = [r for _, p, r in hub.requests if "/lfs/" in p and r]
    assert len(ranges) == 1 and 0 < int(ranges[0][6:-1]) <= size // 2


def test_a_cancelled_download_installs_nothing_and_the_next_one_resumes(hub, models):
    token = CancelToken()

    def progress(done, total, current):
        if current == "model.safetensors" and done > 100_000:
            token.cancel()

    with pytest.raises(Cancelled):
        fetch(SPEC, endpoint=hub.url, progress=progress, cancel=token)
    assert installed_model(SPEC) is None and not (models / "vitmatte").exists()
    hub.requests.clear()
    fetch(SPEC, endpoint=hub.url)
    ranges = [r for _, p, r in hub.requests if "/lfs/" in p and r]
    assert len(ranges) == 1 and int(ranges[0][6:-1]) > 0     # resumed, not restarted
    assert (models / "vitmatte" / "model.safetensors").read_bytes() == \
        hub.files["model.safetensors"]
    verified_dir(SPEC)


def test_no_connection_is_one_line_naming_fetch_and_import(models):
    with socket.socket() as s:           # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ModelError) as info:
        fetch(SPEC, endpoint=f"http://127.0.0.1:{port}")
    message = str(info.value)
    assert "\n" not in message and "could not download 'vitmatte'" in message
    assert "matteditor models import vitmatte" in message


def test_the_command_line_fetches_lists_and_mattes_with_vitmatte(hub, models, tmp_path, capsys):
    import numpy as np
    from matteditor.imageio import save_image

    assert run_cli(["models", "fetch", "vitmatte", "--endpoint", hub.url]) == 0
    assert run_cli(["models"]) == 0
    listing = capsys.readouterr().out
    row = next(line for line in listing.splitlines() if line.startswith("vitmatte "))
    assert f"yes ({hub.commit[:7]})" in row and "Apache-2.0" in row
    manifest = json.loads((models / "vitmatte" / "matteditor-model.json").read_text())
    assert manifest["revision"] == hub.commit

    rng = np.random.default_rng(0)
    image = rng.random((60, 80, 3)).astype(np.float32)
    trimap = np.zeros((60, 80), np.float32)
    trimap[:, 40:] = 1.0
    trimap[:, 30:50] = 0.5
    save_image(tmp_path / "photo.png", image)
    save_image(tmp_path / "trimap.png", trimap)
    out = tmp_path / "alpha.png"
    assert run_cli(["matte", str(tmp_path / "photo.png"), "--trimap", str(tmp_path / "trimap.png"),
                    "--engine", "vitmatte", "--alpha-only", "-o", str(out)]) == 0
    assert out.stat().st_size > 0
    printed = capsys.readouterr()
    assert "(vitmatte)" in printed.err and "Loading" not in printed.err   # one line a frame


def test_the_command_line_import_and_remove(saved, models, capsys):
    assert run_cli(["models", "import", "vitmatte", str(saved)]) == 0
    assert verified_dir(SPEC)
    assert run_cli(["models", "remove", "vitmatte"]) == 0
    assert installed_model(SPEC) is None
    assert run_cli(["models", "import", "vitmatte", str(saved / "nowhere")]) == 1
    assert "is not a folder" in capsys.readouterr().err
