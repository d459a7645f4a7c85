"""What the app remembers between runs: how the stored calls are sorted, and the export
dialog's last format and folder. One small JSON file beside the store (``ui-state.json``,
0600); a missing or unreadable file, or a value of the wrong kind, gives the defaults."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from polytui.files import write_private

FILE_NAME = "ui-state.json"
LIMIT = 64 * 1024  # bytes read at most: anything bigger is not ours


@dataclass(frozen=True)
class UiState:
    sort: str = "started_at"
    descending: bool = True
    export_format: str = "markdown"
    export_dir: str | None = None  # the folder of the last export (None: the working folder)

    def with_(self, **changes: Any) -> UiState:
        return replace(self, **changes)


def state_path(data_root: Path) -> Path:
    return data_root / FILE_NAME


def load_state(path: Path) -> UiState:
    """The remembered state; defaults for whatever is missing or not of the expected kind."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(LIMIT + 1)
        data = json.loads(raw) if len(raw) <= LIMIT else {}
    except (OSError, ValueError):
        return UiState()
    if not isinstance(data, dict):
        return UiState()
    defaults = UiState()
    kept: dict[str, Any] = {}
    for item in fields(UiState):
        value = data.get(item.name)
        default = getattr(defaults, item.name)
        if item.name == "export_dir":
            if isinstance(value, str) and value:
                kept[item.name] = value
        elif value is not None and type(value) is type(default):
            kept[item.name] = value
    return UiState(**kept)


def save_state(path: Path, state: UiState) -> None:
    """Write ``state`` (0600, atomically); a failure is said in the exception's sentence."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_private(path, json.dumps(asdict(state), indent=1) + "\n")
