"""Shared fixtures: every test runs with config and data in its own tmp dirs and no PolyAI
settings leaking in from the developer's environment."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

# Hypothesis profiles, chosen with HYPOTHESIS_PROFILE (default "ci"). Only tests that leave
# max_examples to the profile follow it (tests/test_any_shape.py); every other property test
# sets its own count and keeps it.
settings.register_profile("ci", max_examples=150, deadline=None)
settings.register_profile("nightly", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


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
        "POLYAI_REVIEWER",
    ):
        monkeypatch.delenv(name, raising=False)
    data = tmp_path / "data"
    conf = tmp_path / "config"
    monkeypatch.setenv("POLYTUI_DATA_DIR", str(data))
    monkeypatch.setenv("POLYTUI_CONFIG_DIR", str(conf))
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    return {"data": data, "config": conf}


@pytest.fixture(autouse=True)
def notices_kept(monkeypatch):
    """Every app made in a test keeps the notices it raised, after their timeout too
    (tests/notices.py): a test asserts what was said, however slow the machine is."""
    import textual.app

    from .notices import NoticeLog

    monkeypatch.setattr(textual.app, "Notifications", NoticeLog)


@pytest.fixture
def samples():
    from polytui.demo.samples import sample_conversations

    return sample_conversations()


@pytest.fixture
def server(samples):
    """The loopback API server with the sample calls, keyed with tests.helpers.SECRET_KEY."""
    from polytui.demo.server import DemoServer

    from .helpers import SECRET_KEY

    with DemoServer(samples, api_key=SECRET_KEY) as running:
        yield running


@pytest.fixture
def api_env(server, monkeypatch):
    """Environment pointing polytui at the loopback server with a valid key and agent."""
    from polytui.demo.samples import DEMO_AGENT

    from .helpers import SECRET_KEY

    values = {
        "POLYAI_BASE_URL": server.url,
        "POLYAI_API_KEY": SECRET_KEY,
        "POLYAI_AGENT_ID": DEMO_AGENT,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


@pytest.fixture
def fast_retries(monkeypatch):
    """Keep retry back-off short so fault tests stay fast (the policy itself is unchanged)."""
    import polytui.adapters.http.client as client

    original = client.ApiClient.__init__

    def patched(self, settings, **kwargs):
        kwargs.setdefault("backoff_base", 0.01)
        kwargs.setdefault("backoff_cap", 0.05)
        kwargs.setdefault("retry_after_cap", 0.05)
        original(self, settings, **kwargs)

    monkeypatch.setattr(client.ApiClient, "__init__", patched)
