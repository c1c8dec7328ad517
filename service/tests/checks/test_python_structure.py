"""Structure of the Python code: no import cycle among `infralyzer` modules, no file over 800 lines.

The import graph is read from the source with `ast`, so every import counts: module level, inside
functions (an import moved into a function to dodge a cycle is still a cycle) and under
`TYPE_CHECKING`. `from package import name` is an edge to `package.name` when that is a module, else
to `package`. An import of a submodule is not counted as an import of its parent package.
"""

from __future__ import annotations

import ast
from pathlib import Path

SERVICE_DIR = Path(__file__).resolve().parents[2]
PACKAGE_DIR = SERVICE_DIR / "infralyzer"
MAX_LINES = 800


def module_name(path: Path, root: Path = SERVICE_DIR) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_modules(package_dir: Path = PACKAGE_DIR) -> dict[str, Path]:
    return {module_name(path, package_dir.parent): path for path in sorted(package_dir.rglob("*.py"))}


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package's modules that `module` imports, wherever the import statement is."""
    is_package = path.name == "__init__.py"
    edges: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            edges.update(_nearest_module(alias.name, modules) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            source = node.module or ""
            if node.level:  # relative: resolved against this module's package
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                edges.add(submodule if submodule in modules else _nearest_module(source, modules))
    edges.discard("")
    edges.discard(module)
    return edges


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    return {module: imports_of(module, path, modules) for module, path in modules.items()}


def _nearest_module(name: str, modules: dict[str, Path]) -> str:
    """The longest prefix of a dotted name that is a module of the package ("" when none is)."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return ""


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as [a, b, ..., a], or None (iterative depth-first search)."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for root in sorted(graph):
        if state.get(root):
            continue
        path, stack = [root], [iter(sorted(graph[root]))]
        state[root] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted(graph.get(nxt, ()))))
    return None


def all_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Cycles until none is left: find one, cut its closing edge, repeat (so each group of
    mutually importing modules is named at least once)."""
    graph = {module: set(targets) for module, targets in graph.items()}
    found = []
    while (cycle := find_cycle(graph)) is not None:
        found.append(cycle)
        graph[cycle[-2]].discard(cycle[-1])
    return found


def oversized_files(root: Path = SERVICE_DIR, limit: int = MAX_LINES) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        n = len(path.read_text().splitlines())
        if n > limit:
            found.append(f"{path.relative_to(root.parent)} ({n} lines)")
    return found


def test_the_cycle_check_sees_an_import_inside_a_function(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg.b import B\nA = 1\n")
    (pkg / "b.py").write_text("def f():\n    from pkg import a\n    return a.A\n\n\nB = 2\n")
    (pkg / "c.py").write_text("from . import a\nimport pkg.b\n")
    modules = package_modules(pkg)
    graph = import_graph(modules)
    assert graph["pkg.b"] == {"pkg.a"} and graph["pkg.c"] == {"pkg.a", "pkg.b"}
    assert find_cycle(graph) == ["pkg.a", "pkg.b", "pkg.a"]
    (pkg / "b.py").write_text("B = 2\n")
    assert find_cycle(import_graph(modules)) is None


def test_no_import_cycle_among_infralyzer_modules():
    modules = package_modules()
    assert "infralyzer.exports.generate.organisation" in modules
    cycles = all_cycles(import_graph(modules))
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(cycle) for cycle in cycles)


def test_no_python_file_over_800_lines():
    offenders = oversized_files()
    assert not offenders, f"Python files over {MAX_LINES} lines (split them by what they do): " + ", ".join(offenders)
