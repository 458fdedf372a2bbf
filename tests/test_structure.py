"""The shape of the code: imports run one way (no cycles), suo core names the apps only in its
wiring, no module imports another module's private `_helper`, and no module grows past 500 lines.
Read from the source with `ast`, lazy imports inside functions included, so a cycle cannot hide
behind an import placed in a function body."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("suo", "groups", "links", "content")
# Where a private name may only be used by the module that defines it (the tests too).
NO_PRIVATE_IMPORTS = (*PACKAGES, "tests")
MAX_LINES = 500
# The only suo modules that may name the apps: they wire them together.
SUO_WIRING = {
    "suo.urls",
    "suo.api.urls",
    "suo.wsgi",
    "suo.asgi",
    "suo.settings",
    "suo.celery",
    "suo.management.commands.seed_demo",
}


def _source_files(packages=PACKAGES) -> list[Path]:
    files = []
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                files.append(path)
    return files


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(path): path for path in _source_files()}


def _resolve(name: str, modules=MODULES) -> str | None:
    """The project module `name` refers to (the longest existing prefix), or None if not ours."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def _import_nodes(module: str, path: Path | None = None):
    """(imported module, names) for every import statement of `module`, relative ones resolved."""
    path = path or MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".") if is_package else module.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            yield base, [alias.name for alias in node.names]


def _reexports(package: str) -> dict[str, str]:
    """Names a package's __init__ takes from its own submodules: name -> submodule."""
    if MODULES[package].name != "__init__.py":
        return {}
    found = {}
    for base, names in _import_nodes(package):
        source = _resolve(base)
        if source and source.startswith(package + "."):
            found.update(dict.fromkeys(names, source))
    return found


REEXPORTS = {module: _reexports(module) for module in MODULES}


def _imports(module: str, modules=MODULES) -> set[str]:
    found: set[str] = set()
    for base, names in _import_nodes(module, modules[module]):
        targets = []
        for name in names:
            if f"{base}.{name}" in modules:  # `from pkg import sub` imports the submodule
                targets.append(f"{base}.{name}")
            elif name in REEXPORTS.get(base, {}):  # a name the package re-exports: its real home
                targets.append(REEXPORTS[base][name])
            else:
                targets.append(base)
        if not names:
            targets.append(base)
        for target in targets:
            resolved = _resolve(target, modules)
            if resolved and resolved != module:
                found.add(resolved)
    return found


GRAPH = {module: _imports(module) for module in MODULES}


def _cycles(graph=GRAPH) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return components


def test_no_import_cycles():
    assert _cycles() == [], "import cycles (lazy imports inside functions count too)"


def test_the_cycle_finder_sees_an_import_made_inside_a_function(tmp_path):
    (tmp_path / "__init__.py").write_text("")
    (tmp_path / "a.py").write_text("from pkg.b import thing\n")
    (tmp_path / "b.py").write_text("def thing():\n    from pkg import a\n    return a\n")
    modules = {"pkg": tmp_path / "__init__.py", "pkg.a": tmp_path / "a.py", "pkg.b": tmp_path / "b.py"}

    assert _cycles({module: _imports(module, modules) for module in modules}) == [["pkg.a", "pkg.b"]]


def test_suo_core_names_the_apps_only_in_its_wiring():
    apps = tuple(p for p in PACKAGES if p != "suo")
    offenders = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if module.startswith("suo") and module not in SUO_WIRING
        for target in targets
        if target.split(".")[0] in apps
    )
    assert offenders == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_is_longer_than_500_lines(module):
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module} has {lines} lines; split it by concern"


def test_no_module_imports_a_private_name_of_another_module():
    offenders = sorted(
        f"{module} imports {name} from {base}"
        for path in _source_files(NO_PRIVATE_IMPORTS)
        for module in [_module_name(path)]
        for base, names in _import_nodes(module, path)
        if base.split(".")[0] in NO_PRIVATE_IMPORTS and base != module
        for name in names
        if name.startswith("_") and not name.startswith("__")
    )
    assert offenders == []
