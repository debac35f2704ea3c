"""Layer rules (STYLE.md, docs/architecture.md): which package may import which,
no import cycles, small modules, and engine names in one place."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from matteditor.engines import all_engines

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "matteditor"
MAX_LINES = 400


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _package_of(path: Path) -> str:
    name = _module_name(path)
    return name if path.name == "__init__.py" else name.rsplit(".", 1)[0]


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(path: Path, node: ast.ImportFrom) -> list[str]:
    """Absolute names of what ``from ... import ...`` imports (modules where they are)."""
    if node.level:
        base = _package_of(path).split(".")
        base = base[:len(base) - node.level + 1]
        prefix = ".".join(base + ([node.module] if node.module else []))
    else:
        prefix = node.module or ""
    names = []
    for alias in node.names:
        full = f"{prefix}.{alias.name}"
        names.append(full if full in MODULES else prefix)
    return names


def _imports(path: Path, top_level_only: bool) -> set[str]:
    """Modules ``path`` imports; with ``top_level_only``, only those imported when it
    loads (not inside functions, nor under ``if TYPE_CHECKING``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: set[str] = set()

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                if top or not top_level_only:
                    found.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                if top or not top_level_only:
                    found.update(_resolve(path, child))
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                visit(child, False)
            elif isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                visit(child, False)
            else:
                visit(child, top)

    visit(tree, True)
    return found


def _offenders(package: str, forbidden: tuple[str, ...]) -> list[str]:
    out = []
    for name, path in MODULES.items():
        if name == package or name.startswith(package + "."):
            for imported in _imports(path, top_level_only=False):
                if imported.startswith(forbidden):
                    out.append(f"{name} imports {imported}")
    return out


def test_solvers_know_nothing_of_the_document_the_engines_or_the_editor():
    assert _offenders("matteditor.solvers", ("matteditor.document", "matteditor.engines",
                                             "matteditor.ui", "matteditor.live",
                                             "PySide6")) == []


def test_the_network_modules_know_nothing_of_the_engines_or_the_editor():
    assert _offenders("matteditor.nn", ("matteditor.engines", "matteditor.ui", "PySide6")) == []


def test_engines_know_nothing_of_the_document_or_the_editor():
    assert _offenders("matteditor.engines", ("matteditor.document", "matteditor.ui",
                                             "matteditor.live", "PySide6")) == []


def test_every_module_of_the_editor_package_is_qt_work():
    """A module under ui/ without Qt belongs in the core."""
    plain = [name for name, path in MODULES.items()
             if name.startswith("matteditor.ui.") and path.name != "__init__.py"
             and not any(m.startswith("PySide6") for m in _imports(path, False))]
    assert plain == []


def test_no_import_cycles_among_the_modules_loaded_at_import_time():
    graph = {name: {m for m in _imports(path, top_level_only=True) if m in MODULES}
             for name, path in MODULES.items()}
    # a package's __init__ is loaded before its modules: that edge is not a cycle
    for name in graph:
        graph[name] = {m for m in graph[name] if not name.startswith(m + ".")}
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []
    counter = [0]

    def strongconnect(v: str) -> None:   # Tarjan's algorithm
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in graph:
        if v not in index:
            strongconnect(v)
    assert cycles == []


def test_no_module_is_over_400_lines():
    long = defaultdict(int)
    for folder in ("matteditor", "benchmarks", "scripts"):
        for path in (ROOT / folder).rglob("*.py"):
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > MAX_LINES:
                long[str(path.relative_to(ROOT))] = lines
    assert dict(long) == {}


def test_engine_names_are_literals_only_in_the_registry_and_the_engines():
    names = set(all_engines())
    places = []
    for name, path in MODULES.items():
        # the models' registry names the downloadable models, which the engines that
        # need them name by their ``model_name`` (ViTMatte's model and engine share a name)
        if name.startswith(("matteditor.engines", "matteditor.models")):
            continue
        # the solvers' own "auto" names their choice of direct or iterative method
        words = names - {"auto"} if name.startswith("matteditor.solvers") else names
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in words:
                places.append(f"{name}:{node.lineno} {node.value!r}")
    assert places == []


def test_the_import_contracts_hold():
    """pyproject.toml's import-linter contracts (the core and the command line never import
    Qt or ui/, the solvers never import the engines, cli/ and ui/ never import each other,
    no circle among the modules of a package), checked by ``lint-imports`` itself."""
    import shutil
    import subprocess
    import sys

    program = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) \
        or shutil.which("lint-imports")
    assert program, "import-linter is missing: pip install -e '.[dev]'"
    run = subprocess.run([program, "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]


def test_the_qt_free_contract_names_every_module_but_the_editor_and_the_entry_point():
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contract = next(c for c in config["tool"]["importlinter"]["contracts"]
                    if "matteditor.ui" in c.get("forbidden_modules", []))
    children = {f"matteditor.{p.stem}" for p in PACKAGE.iterdir()
                if (p.suffix == ".py" or (p / "__init__.py").exists())
                and p.stem not in ("__init__", "__main__", "ui")}
    assert children - set(contract["source_modules"]) == set()


def test_no_import_circle_anywhere_function_level_imports_included():
    """The AST test above sees only imports made at load time; grimp sees every import,
    a package's ``__init__`` and its modules included (``engines/__init__`` <-> ``auto``)."""
    import grimp

    graph = grimp.build_graph("matteditor", cache_dir=None)
    modules = set(graph.modules)
    edges = {m: set(graph.find_modules_directly_imported_by(m)) & modules for m in modules}
    cycles = []
    for start in sorted(modules):        # a module that can reach itself is on a circle
        seen, todo = set(), list(edges[start])
        while todo:
            m = todo.pop()
            if m == start:
                cycles.append(start)
                break
            if m not in seen:
                seen.add(m)
                todo.extend(edges[m])
    assert cycles == []
