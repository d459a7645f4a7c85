"""One home for each concern, checked on the source: Textual only under polytui/tui/, httpx only
in the HTTP adapter, sqlite3 only in the SQLite adapter, and no second sanitiser next to
polytui.core.text.

Read with ``ast`` (imports inside functions count too), so a lazy import in the wrong module is
caught as surely as one at the top."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "polytui"

# top-level module -> the only places (paths relative to polytui/) allowed to import it
HOMES = {
    "textual": ("tui/",),
    "rich": ("tui/", "cli/batch.py"),  # batch: the progress bar of fetch and export
    "httpx": ("adapters/http/",),
    "sqlite3": ("adapters/sqlite/",),
    "miniaudio": ("adapters/audio/",),
}


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_the_package_has_sources():
    # Guards the checks below against silently scanning nothing.
    assert len(_sources()) > 30
    assert any("textual" in _imported_roots(p) for p in _sources())


@pytest.mark.parametrize("module", sorted(HOMES))
def test_each_dependency_is_imported_only_in_its_home(module):
    homes = HOMES[module]
    offenders = []
    for path in _sources():
        relative = path.relative_to(PACKAGE).as_posix()
        if module in _imported_roots(path) and not relative.startswith(homes):
            offenders.append(relative)
    assert offenders == [], f"{module} imported outside {homes}: {offenders}"


def test_control_characters_are_handled_only_by_the_sanitiser():
    """Tables of control characters or escape sequences belong in polytui/core/text.py alone."""
    suspects = ("\\x9b", "\\u202e", "\\u2066", "control pictures")
    offenders = []
    for path in _sources():
        relative = path.relative_to(PACKAGE).as_posix()
        if relative == "core/text.py":
            continue
        source = path.read_text(encoding="utf-8")
        offenders += [f"{relative}: {s}" for s in suspects if s in source]
    assert offenders == []
