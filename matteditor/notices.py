"""Third-party notices: the distributions the app depends on, their licences and texts.

From source (or an installed package) the list is the dependency closure of the
``matteditor`` distribution's requirements (extras left out), read from the
installed metadata with ``importlib.metadata``.  The frozen app carries no such
metadata: ``matteditor.spec`` writes the same information into the bundle's
``licenses/`` folder (:func:`write_bundle`) and the app reads it back from there
(:func:`read_bundle`).  Help ▸ About and ``--self-test`` use :func:`components`.
"""

from __future__ import annotations

import functools
import json
import logging
import platform
import re
import shutil
import sysconfig
from dataclasses import dataclass
from email.message import Message
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Iterable

from . import __version__, paths

log = logging.getLogger(__name__)

ROOT_DISTRIBUTION = "matteditor"
INDEX = "THIRD_PARTY_NOTICES.txt"
MANIFEST = "components.json"
# Components whose licence text the self-test requires; each entry lists alternative names.
REQUIRED = (("cvxopt",), ("pyside6-essentials", "pyside6"), ("torch",), ("transformers",),
            ("huggingface-hub",))
OWN_LICENSE = "MIT (source code); GPL-3.0-or-later (the frozen application as a whole)"

DISTRIBUTION_TERMS = """\
The matteditor source code is distributed under the MIT licence (LICENSE).

The frozen application (the folder built by scripts/build-app.sh) bundles \
cvxopt (GPL-3.0-or-later), which carries SuiteSparse's CHOLMOD (LGPL-2.1-or-later, \
with modules under GPL-2.0-or-later), and PySide6/Qt (LGPL-3.0). The frozen \
application as a whole is therefore distributed under the GNU General Public \
License, version 3 or (at your option) any later version (COPYING, listed under \
matteditor); \
each bundled component stays under its own licence, as listed. PySide6 and Qt \
are separate shared libraries in the application folder and may be replaced. \
There is NO WARRANTY, to the extent permitted by law.

Source code: matteditor's from the project repository; each bundled component's \
from its project, at the address listed with it."""

# Files of a distribution that hold licence text, besides everything under
# ``*.dist-info/licenses/``; code files with such names are not texts.
_LICENSE_NAME = re.compile(r"^(LICEN[CS]E|COPYING|NOTICE|AUTHORS)", re.IGNORECASE)
_CODE_SUFFIXES = {".py", ".pyc", ".pyi", ".so", ".pyd", ".dll", ".dylib", ".h", ".c"}
# Licence texts kept in resources/licenses/ for wheels that name a licence but ship no text.
_KEPT_TEXTS = ((re.compile(r"(?<!\w)LGPL-3\.0"), "LGPL-3.0.txt"),
               (re.compile(r"(?<!\w)GPL-3\.0"), "GPL-3.0.txt"))
_TEXT_PATTERNS = ((r"Apache License,? Version 2\.0", "Apache-2.0"),
                  (r"Permission is hereby granted, free of charge", "MIT"),
                  (r"Redistribution and use in source and binary forms", "BSD"))


@dataclass(frozen=True)
class LicenseFile:
    """One licence file of a component: its name (a relative path) and its text."""

    name: str
    text: str


@dataclass(frozen=True)
class Component:
    """One distribution the app depends on, as the notices list it."""

    name: str
    version: str
    license: str
    url: str = ""
    files: tuple[LicenseFile, ...] = ()
    # shared libraries its wheel vendors (auditwheel's ``<name>.libs/``, delocate's ``.dylibs/``)
    libraries: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The normalised distribution name (PEP 503)."""
        return normalize(self.name)

    @property
    def folder(self) -> str:
        """Its folder in the bundle's ``licenses/``."""
        return re.sub(r"[^A-Za-z0-9._-]+", "_", self.name)

    def has_text(self) -> bool:
        """True if at least one of its licence files has text."""
        return any(f.text.strip() for f in self.files)

    def text(self) -> str:
        """All its licence files one after another, each under its name."""
        if not self.files:
            return f"{self.name} ships no licence file; its metadata says: {self.license}\n"
        return "\n\n".join(f"==== {f.name} ====\n\n{f.text}" for f in self.files)


def normalize(name: str) -> str:
    """A distribution name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement(spec: str) -> tuple[str, str]:
    """The name and the environment marker of one ``Requires-Dist`` line."""
    head, _, marker = spec.partition(";")
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", head)
    return (match.group(1) if match else ""), marker.strip()


def _applies(marker: str) -> bool:
    """Whether a requirement's marker holds here; requirements of extras never do."""
    if not marker:
        return True
    if re.search(r"\bextra\b", marker):
        return False
    try:
        from packaging.markers import InvalidMarker, Marker
    except ImportError:  # packaging is no dependency of ours: keep the requirement
        return True
    try:
        return Marker(marker).evaluate()
    except InvalidMarker:
        return True


def dependency_closure(root: str = ROOT_DISTRIBUTION,
                       exclude: Iterable[str] = ()) -> list[metadata.Distribution]:
    """The installed distributions ``root`` needs at run time, ``root`` first.

    Follows every ``Requires-Dist`` whose marker holds here, extras left out;
    requirements that are not installed, and names in ``exclude`` (with what only
    they require), are skipped.
    """
    skip = {normalize(n) for n in exclude}
    found: dict[str, metadata.Distribution] = {}
    todo = [root]
    while todo:
        name = todo.pop()
        key = normalize(name)
        if key in found or key in skip:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            log.debug("%s is not installed: left out of the notices", name)
            continue
        found[key] = dist
        for spec in dist.requires or []:
            required, marker = _requirement(spec)
            if required and _applies(marker):
                todo.append(required)
    first = found.pop(normalize(root), None)
    rest = sorted(found.values(), key=lambda d: normalize(d.metadata["Name"]))
    return ([first] if first is not None else []) + rest


def guess_license(text: str) -> str:
    """A licence name from the opening of a licence text (the common ones), or ''."""
    head = " ".join(text[:4000].split())
    gnu = re.search(r"GNU (Lesser |Library )?General Public License", head, re.IGNORECASE)
    if gnu:
        after = head[gnu.start():]
        version = re.search(r"version (\d)(?:\.(\d))?", after, re.IGNORECASE)
        base = "LGPL" if gnu.group(1) else "GPL"
        if version is None:
            return base
        later = "or-later" if re.search(r"any later version", after, re.IGNORECASE) else "only"
        return f"{base}-{version.group(1)}.{version.group(2) or 0}-{later}"
    for pattern, name in _TEXT_PATTERNS:
        if re.search(pattern, head, re.IGNORECASE):
            return name
    return ""


def license_name(meta: Message, texts: Iterable[str] = ()) -> str:
    """A distribution's licence: License-Expression, a short License field, the
    licence classifiers, or else what its licence text says."""
    expression = (meta.get("License-Expression") or "").strip()
    if expression:
        return expression
    declared = (meta.get("License") or "").strip()
    if declared and "\n" not in declared and len(declared) <= 80:
        return declared
    classifiers = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or []
                   if c.startswith("License :: ") and not c.endswith(":: OSI Approved")]
    if classifiers:
        return " / ".join(classifiers)
    for text in (declared, *texts):
        guess = guess_license(text)
        if guess:
            return guess
    return "unknown (see the licence text)"


def _is_license_file(path: PurePosixPath) -> bool:
    if ".." in path.parts or path.suffix.lower() in _CODE_SUFFIXES:
        return False
    in_licenses = len(path.parts) > 2 and path.parts[0].endswith(".dist-info") \
        and path.parts[1] == "licenses"
    return in_licenses or bool(_LICENSE_NAME.match(path.name))


def _short_name(path: PurePosixPath) -> str:
    """``numpy-2.dist-info/licenses/LICENSE.txt`` -> ``LICENSE.txt``; others unchanged."""
    parts = path.parts
    if parts[0].endswith(".dist-info"):
        parts = parts[2:] if len(parts) > 2 and parts[1] == "licenses" else parts[1:]
    return "/".join(parts)


def _license_files(dist: metadata.Distribution) -> list[LicenseFile]:
    """The texts of a distribution's licence files, each text once."""
    out: list[LicenseFile] = []
    seen: set[str] = set()
    for entry in dist.files or []:
        path = PurePosixPath(str(entry))
        if not _is_license_file(path):
            continue
        try:
            text = Path(dist.locate_file(entry)).read_text(encoding="utf-8", errors="replace")
        except OSError as e:
            log.warning("cannot read %s of %s: %s", path, dist.metadata["Name"], e)
            continue
        if text not in seen:
            seen.add(text)
            out.append(LicenseFile(_short_name(path), text))
    return out


def _kept_texts(expression: str) -> list[LicenseFile]:
    """The texts we keep for the licences ``expression`` names (for wheels with none)."""
    out = []
    for pattern, filename in _KEPT_TEXTS:
        path = paths.license_texts_dir() / filename
        if pattern.search(expression) and path.is_file():
            out.append(LicenseFile(filename, path.read_text(encoding="utf-8")))
    return out


def _home_page(meta: Message) -> str:
    """Where a distribution's source is found: its source or home page address."""
    urls = [u.split(",", 1) for u in meta.get_all("Project-URL") or [] if "," in u]
    for label, url in urls:
        if label.strip().lower() in ("source", "source code", "repository", "homepage"):
            return url.strip()
    return (meta.get("Home-page") or (urls[0][1] if urls else "")).strip()


def _vendored(dist: metadata.Distribution) -> tuple[str, ...]:
    names = {PurePosixPath(str(f)).name for f in dist.files or []
             if str(f).split("/")[0].endswith(".libs") or "/.dylibs/" in str(f)}
    return tuple(sorted(names))


def _component(dist: metadata.Distribution) -> Component:
    meta = dist.metadata
    files = _license_files(dist)
    declared = (meta.get("License") or "").strip()
    if not files and "\n" in declared:
        files.append(LicenseFile("License (from the package metadata)", declared))
    name = license_name(meta, (f.text for f in files))
    if not files:
        files = _kept_texts(name)
    return Component(meta["Name"], dist.version, name, _home_page(meta), tuple(files),
                     _vendored(dist))


def _own_component(dist: metadata.Distribution | None) -> Component:
    """matteditor itself: LICENSE (MIT) and COPYING (the GPL-3 of the frozen app)."""
    files = _license_files(dist) if dist is not None else []
    if not files and paths.project_license().is_file():
        files = [LicenseFile("LICENSE", paths.project_license().read_text(encoding="utf-8"))]
    files += [LicenseFile("COPYING", f.text) for f in _kept_texts("GPL-3.0")]
    return Component(ROOT_DISTRIBUTION, __version__, OWN_LICENSE, files=tuple(files))


def _python_component() -> Component:
    """The Python interpreter and standard library the frozen app carries."""
    path = Path(sysconfig.get_path("stdlib")) / "LICENSE.txt"
    files = (LicenseFile("LICENSE.txt", path.read_text(encoding="utf-8")),) if path.is_file() else ()
    return Component("Python", platform.python_version(), "PSF-2.0", "https://www.python.org/",
                     files)


def installed_components(exclude: Iterable[str] = ()) -> list[Component]:
    """matteditor, Python and every distribution of the closure, from installed metadata."""
    closure = dependency_closure(exclude=exclude)
    own = closure[0] if closure and normalize(closure[0].metadata["Name"]) == ROOT_DISTRIBUTION \
        else None
    others = [_component(d) for d in closure if d is not own]
    return [_own_component(own), _python_component()] + others


def index_text(components: Iterable[Component]) -> str:
    """The human-readable ``THIRD_PARTY_NOTICES.txt``: the terms, then each component."""
    components = list(components)
    width = max((len(c.name) for c in components), default=10) + 2
    lines = ["matteditor: licences and third-party notices", "=" * 45, "",
             DISTRIBUTION_TERMS, "", "Components", "-" * 10, ""]
    lines += [f"{c.name:<{width}}{c.version:<16}{c.license}" for c in components]
    for c in components:
        lines += ["", f"{c.name} {c.version}", f"  licence: {c.license}"]
        if c.url:
            lines.append(f"  home page: {c.url}")
        lines += [f"  licence file: {c.folder}/{f.name}" for f in c.files]
        if c.libraries:
            lines.append("  shared libraries carried by its wheel (licences not shipped there): "
                         + ", ".join(c.libraries))
    return "\n".join(lines) + "\n"


def write_bundle(dest: Path, components: Iterable[Component]) -> None:
    """Write ``dest`` (replacing it): a folder of licence files per component,
    ``components.json`` (read back by :func:`read_bundle`) and the index."""
    components = list(components)
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    manifest = []
    for c in components:
        for f in c.files:
            target = dest / c.folder / f.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(f.text, encoding="utf-8")
        manifest.append({"name": c.name, "version": c.version, "license": c.license,
                         "url": c.url, "folder": c.folder, "files": [f.name for f in c.files],
                         "libraries": list(c.libraries)})
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    (dest / INDEX).write_text(index_text(components), encoding="utf-8")
    log.info("wrote the notices of %d components to %s", len(components), dest)


def read_bundle(src: Path) -> list[Component]:
    """The components :func:`write_bundle` wrote to ``src``.

    Raises OSError or ValueError if ``components.json`` is missing or unreadable;
    a missing licence file is logged and left out of its component.
    """
    out = []
    for entry in json.loads((src / MANIFEST).read_text(encoding="utf-8")):
        files = []
        for name in entry["files"]:
            path = src / entry["folder"] / name
            try:
                files.append(LicenseFile(name, path.read_text(encoding="utf-8")))
            except OSError as e:
                log.warning("licence file missing from the bundle: %s", e)
        out.append(Component(entry["name"], entry["version"], entry["license"], entry["url"],
                             tuple(files), tuple(entry["libraries"])))
    return out


@functools.lru_cache(maxsize=1)
def components() -> tuple[Component, ...]:
    """The components with their licences: from the bundle when frozen, else installed."""
    bundle = paths.bundled_licenses_dir()
    if bundle is None:
        return tuple(installed_components())
    try:
        return tuple(read_bundle(bundle))
    except (OSError, ValueError, KeyError) as e:
        log.error("the bundled licence notices cannot be read from %s: %s", bundle, e)
        return ()


def check(required: Iterable[tuple[str, ...]] = REQUIRED) -> list[str]:
    """What the notices lack (empty if nothing): the bundle's index when frozen,
    and licence text for each of ``required`` (alternative names per entry)."""
    problems = []
    bundle = paths.bundled_licenses_dir()
    if bundle is not None and not (bundle / INDEX).is_file():
        problems.append(f"{bundle / INDEX} is missing")
    found = {c.key: c for c in components()}
    for names in required:
        component = next((found[n] for n in names if n in found), None)
        if component is None:
            problems.append(f"no notice for {names[0]}")
        elif not component.has_text():
            problems.append(f"no licence text for {component.name}")
    return problems
