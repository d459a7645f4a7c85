"""Make the README's screenshot: `python assets/screenshot.py` writes assets/polytui.svg.

The app runs headless at 120x40 on the demo's bank call (served by the loopback server, stored
in a throwaway data directory), with a reviewer's note on turn 5 and the cursor on it, and
Textual's own SVG export is saved. Run it after any change to the look.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from polytui.adapters.sqlite import Store
from polytui.core.config import Settings
from polytui.demo._scripts import BANK_ID
from polytui.demo.samples import DEMO_ACCOUNT, DEMO_AGENT, DEMO_API_KEY, sample_conversations
from polytui.demo.server import DemoServer
from polytui.tui.app import PolyTUI

OUT = Path(__file__).resolve().parent / "polytui.svg"
NOTE_TURN = 5


async def shoot(server_url: str, data: Path) -> str:
    settings = Settings(
        api_key=DEMO_API_KEY,
        agent=DEMO_AGENT,
        account=DEMO_ACCOUNT,
        base_url_override=server_url,
        data_path=data,
    )
    with Store(settings.db_path) as store:  # a reviewer's note, there before the app opens
        store.add_note(
            DEMO_AGENT,
            BANK_ID,
            NOTE_TURN,
            "4.6 s of dead air after the date of birth: caller almost hung up",
            "bad response",
        )
    app = PolyTUI(settings, initial_id=BANK_ID)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause(0.3)
        await app.workers.wait_for_complete()
        await pilot.press(*str(NOTE_TURN), "G")  # the cursor on the noted turn
        await pilot.pause(0.3)
        app.clear_notifications()
        await pilot.pause(0.1)
        return app.export_screenshot(title="polytui")


def main() -> None:
    with (
        tempfile.TemporaryDirectory(prefix="polytui-shot-") as data,
        DemoServer(sample_conversations(), api_key=DEMO_API_KEY) as server,
    ):
        OUT.write_text(asyncio.run(shoot(server.url, Path(data))), encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
