"""Shared fixtures: every test runs with config and data in its own tmp dirs and no PolyAI
settings leaking in from the developer's environment."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def hermetic_env(tmp_path, monkeypatch):
    for name in (
        "POLYAI_API_KEY",
        "POLYAI_AGENT_ID",
        "POLYAI_REGION",
        "POLYAI_BASE_URL",
        "POLYAI_ACCOUNT_ID",
        "POLYTUI_PROFILE",
        "POLYTUI_TIMEOUT",
    ):
        monkeypatch.delenv(name, raising=False)
    data = tmp_path / "data"
    conf = tmp_path / "config"
    monkeypatch.setenv("POLYTUI_DATA_DIR", str(data))
    monkeypatch.setenv("POLYTUI_CONFIG_DIR", str(conf))
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    return {"data": data, "config": conf}
