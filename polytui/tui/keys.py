"""Bindings by id: every key the app binds comes from the one keymap (``polytui.core.keys``), so
an id has the same keys on every screen, and the config's ``[keys]`` table remaps it everywhere
(``App.set_keymap``). Help and the footer show the keys in force through ``shown_keys``."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding
from textual.keys import _character_to_key

from polytui.core.keys import KEYMAP, keys_for


def bind(
    key_id: str,
    action: str,
    description: str,
    *,
    show: bool = True,
    tooltip: str = "",
    priority: bool = False,
) -> Binding:
    """A Binding with ``key_id``'s default keys (remapped at run time by the app's keymap)."""
    return Binding(
        KEYMAP[key_id].keys,
        action,
        description,
        show=show,
        tooltip=tooltip,
        priority=priority,
        id=key_id,
    )


def keys_in_force(app: App, binding: Binding) -> list[str]:
    """The keys ``binding`` answers to now: the keymap's for its id, else its own."""
    settings = getattr(app, "settings", None)
    keymap = getattr(settings, "keymap", {}) if settings is not None else {}
    if binding.id and binding.id in KEYMAP:
        keys = keys_for(keymap, binding.id)
    else:
        keys = [key.strip() for key in binding.key.split(",")]
    return [_character_to_key(key) if len(key) == 1 else key for key in keys]


def key_display(app: App, key: str) -> str:
    """How ``key`` shows in help and the footer: ``?``, ``^f``, ``]``, ``esc``, ``F1``."""
    shown = app.get_key_display(Binding(key, ""))
    return shown.upper() if len(shown) > 1 and shown[0] == "f" and shown[1:].isdigit() else shown


def shown_keys(app: App, binding: Binding) -> list[str]:
    """``binding``'s keys in force, as they show (no repeats)."""
    shown: list[str] = []
    for key in keys_in_force(app, binding):
        display = key_display(app, key)
        if display not in shown:
            shown.append(display)
    return shown
