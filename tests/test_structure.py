"""The shape of the code: imports run one way (no cycles), suo core names the apps only in its
wiring, and no module grows past 500 lines. Read from the source with `ast`, lazy imports inside
functions included, so a cycle cannot hide behind an import placed in a function body."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("suo", "groups", "links", "content")
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


def _source_files() -> list[Path]:
    files = []
    for package in PACKAGES:
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


def _resolve(name: str) -> str | None:
    """The project module `name` refers to (the longest existing prefix), or None if not ours."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in MODULES:
            return candidate
        parts.pop()
    return None


def _import_nodes(module: str):
    """(imported module, names) for every import statement of `module`, relative ones resolved."""
    path = MODULES[module]
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


def _imports(module: str) -> set[str]:
    found: set[str] = set()
    for base, names in _import_nodes(module):
        targets = []
        for name in names:
            if f"{base}.{name}" in MODULES:  # `from pkg import sub` imports the submodule
                targets.append(f"{base}.{name}")
            elif name in REEXPORTS.get(base, {}):  # a name the package re-exports: its real home
                targets.append(REEXPORTS[base][name])
            else:
                targets.append(base)
        if not names:
            targets.append(base)
        for target in targets:
            resolved = _resolve(target)
            if resolved and resolved != module:
                found.add(resolved)
    return found


GRAPH = {module: _imports(module) for module in MODULES}


def _cycles() -> list[list[str]]:
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
        for nxt in GRAPH[node]:
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

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    return components


def test_no_import_cycles():
    assert _cycles() == [], "import cycles (lazy imports inside functions count too)"


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
