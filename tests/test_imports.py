"""The shape of the code: imports run one way (no cycle, counting imports inside functions too),
no module imports another module's private `_helper`, no module grows past 500 lines."""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Packages whose modules must not import each other in a circle.
ACYCLIC = ["groups"]
# Where a private name may only be used by the module that defines it.
NO_PRIVATE_IMPORTS = ["groups", "tests"]
# Packages whose modules are split by concern before they pass MAX_LINES (migrations aside).
SIZED = ["groups"]
MAX_LINES = 500


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def python_files(package: str) -> list[Path]:
    return sorted(path for path in (ROOT / package).rglob("*.py") if "migrations" not in path.parts)


def imports_of(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names) for every import statement in the file, at any depth (lazy ones too)."""
    found = []
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = module_name(path).split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                module = ".".join([*base, module] if module else base)
            found.append((module, [alias.name for alias in node.names]))
    return found


def import_graph(package: str) -> dict[str, set[str]]:
    """module → the modules of `package` it imports (`from a import b` counts as a.b when b is a module)."""
    files = python_files(package)
    modules = {module_name(path) for path in files}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for path in files:
        source = module_name(path)
        for module, names in imports_of(path):
            targets = [f"{module}.{name}" for name in names if f"{module}.{name}" in modules]
            if len(targets) < len(names) or not names:
                # Names that are not modules come from `module` itself (or its closest known parent).
                parts = module.split(".")
                while parts and ".".join(parts) not in modules:
                    parts.pop()
                if parts:
                    targets.append(".".join(parts))
            graph[source].update(target for target in targets if target != source)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


@pytest.mark.parametrize("package", ACYCLIC)
def test_no_import_cycle_when_walking_every_import_of_the_package(package):
    assert cycles(import_graph(package)) == []


def test_the_cycle_finder_sees_an_import_made_inside_a_function(tmp_path, monkeypatch):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg.b import thing\n")
    (package / "b.py").write_text("def thing():\n    from pkg import a\n    return a\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)

    assert cycles(import_graph("pkg")) == [["pkg.a", "pkg.b"]]


@pytest.mark.parametrize("package", NO_PRIVATE_IMPORTS)
def test_no_module_imports_a_private_name_of_another_module(package):
    offenders = [
        f"{module_name(path)} imports {name} from {module}"
        for path in python_files(package)
        for module, names in imports_of(path)
        for name in names
        if name.startswith("_") and not name.startswith("__") and module != module_name(path)
    ]
    assert offenders == []


@pytest.mark.parametrize("package", SIZED)
def test_no_module_is_longer_than_500_lines(package):
    long = {
        module_name(path): lines
        for path in python_files(package)
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}
