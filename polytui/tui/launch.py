"""Start the app from the command line: `polytui [ID]` and `polytui demo [ID]`."""

from __future__ import annotations

import tempfile
from pathlib import Path

from polytui.core.config import Settings, settings_for_target


def run_app(settings: Settings, target: str | None = None, *, queue: str | None = None) -> int:
    """The app, on the call ``target`` names, or resuming the review queue ``queue``."""
    from .app import PolyTUI

    _freeze_imports()
    settings, conversation_id = settings_for_target(settings, target)
    app = PolyTUI(settings, initial_id=conversation_id, initial_queue=queue)
    app.run()
    return app.return_code or 0


def run_demo(settings: Settings, target: str | None = None) -> int:
    """The app on bundled sample calls, served by the loopback server, in a throwaway data dir.
    The server also lists a few days of recent calls, so that Find (F) finds "yesterday's"."""
    from datetime import UTC, datetime

    from polytui.demo._real import real_shaped_conversations
    from polytui.demo.samples import (
        DEMO_ACCOUNT,
        DEMO_AGENT,
        DEMO_API_KEY,
        recent_conversations,
        sample_conversations,
    )
    from polytui.demo.server import DemoServer

    from .app import PolyTUI

    samples = sample_conversations() + real_shaped_conversations()
    served = samples + recent_conversations(datetime.now(UTC))
    with (
        tempfile.TemporaryDirectory(prefix="polytui-demo-") as data,
        DemoServer(served, api_key=DEMO_API_KEY) as server,
    ):
        demo_settings = settings.with_(
            api_key=DEMO_API_KEY,
            agent=DEMO_AGENT,
            account=DEMO_ACCOUNT,
            region="us",
            base_url_override=server.url,
            offline=False,
            data_path=Path(data),
        )
        app = PolyTUI(demo_settings, initial_id=target, samples=samples, demo=True)
        app.run()
        return app.return_code or 0


def _freeze_imports() -> None:
    """Everything imported so far (modules, classes, Textual's tables) lives as long as the
    process: move it out of the collector's way, so that the full collections that the first
    conversation's many objects set off do not walk it again and again (tens of ms at start).
    The collector also rests until the first frame is on screen (a long call's JSON alone
    sets off a dozen collections): the app turns it back on then (``PolyTUI.resume_collector``)."""
    import gc

    gc.freeze()
    gc.disable()
