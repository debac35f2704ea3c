"""Killing the process in the middle of an export or a project save leaves the
previous file intact: the target always holds one complete version."""

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np

from matteditor.imageio import load_image
from matteditor.project import load_project

WRITER = textwrap.dedent("""
    import sys, numpy as np
    from pathlib import Path
    from matteditor.imageio import save_image
    from matteditor.project import Project, save_project
    from matteditor.imageio import load_image
    kind, target, photo = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    h, w = 600, 800
    versions = [np.full((h, w, 3), v, np.float32) for v in (0.2, 0.8)]
    trimaps = [np.full((h, w), v, np.uint8) for v in (0, 255)]
    if kind == "project":
        photo_pixels = load_image(photo)
    print("ready", flush=True)
    i = 0
    while True:
        if kind == "image":
            save_image(target, versions[i % 2])
        else:
            save_project(target, Project(trimap=trimaps[i % 2], image=photo_pixels))
        i += 1
""")


def _kill_repeatedly(kind: str, target: Path, photo: Path, rounds: int):
    """Start a writer looping over two versions, SIGKILL it at a random moment;
    yield the target after each kill (when it exists)."""
    rnd = random.Random(3)
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    for _ in range(rounds):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, kind, str(target), str(photo)],
                                stdout=subprocess.PIPE, env=env)
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(rnd.uniform(0.05, 0.6))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if target.exists():
            yield target


def test_export_killed_midway_leaves_a_complete_file(tmp_path):
    target = tmp_path / "cutout.png"
    seen = set()
    for path in _kill_repeatedly("image", target, tmp_path / "unused.png", rounds=8):
        value = round(float(load_image(path).mean()), 3)
        assert value in (0.2, 0.8)
        seen.add(value)
    assert seen, "the writer never finished a single file"
    # A killed write can only leave its own hidden temporary file behind.
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "cutout.png"]
    assert all(name.startswith(".cutout.") and ".tmp" in name for name in leftovers)


def test_project_save_killed_midway_leaves_a_complete_project(tmp_path):
    from matteditor.imageio import save_image

    photo = tmp_path / "photo.png"
    save_image(photo, np.zeros((600, 800, 3), np.float32))
    target = tmp_path / "session.mattproj"
    seen = set()
    for path in _kill_repeatedly("project", target, photo, rounds=8):
        project = load_project(path)
        values = np.unique(project.trimap)
        assert len(values) == 1 and int(values[0]) in (0, 255)
        seen.add(int(values[0]))
    assert seen
