"""Live codes are built on links, never the reverse: no module of links imports links.livecodes."""

import ast
from pathlib import Path

import links

LINKS = Path(links.__file__).parent


def _imported_modules(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def test_links_never_imports_live_codes_when_read_from_the_source():
    offenders = sorted(
        f"{path.relative_to(LINKS.parent)} imports {name}"
        for path in LINKS.rglob("*.py")
        if "livecodes" not in path.parts and "migrations" not in path.parts
        for name in _imported_modules(path)
        if name.startswith("links.livecodes")
    )
    assert offenders == []
