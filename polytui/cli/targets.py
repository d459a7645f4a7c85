"""Conversation IDs as typed on the command line: a bare ID, or a Studio link
(``https://studio.{region}.poly.ai/{account}/{project}/conversations/{id}``), which also names
the agent, the account and the region. Every command that takes an ID takes a link."""

from __future__ import annotations

from collections.abc import Sequence

from polytui.core.config import Settings, settings_for_link
from polytui.core.errors import UsageError
from polytui.core.ids import StudioLink, parse_studio_url
from polytui.core.text import clean_line


def one_target(value: str, settings: Settings) -> tuple[str, Settings]:
    """(the ID, the settings a link implies)."""
    ids, settings = targets([value], settings)
    return ids[0], settings


def targets(values: Sequence[str], settings: Settings) -> tuple[list[str], Settings]:
    """The IDs of ``values`` in order, and ``settings`` with the agent, account and region of
    the Studio links among them; links naming different agents or regions are a usage error
    (one batch works with one agent)."""
    ids: list[str] = []
    links: list[StudioLink] = []
    for value in values:
        link = parse_studio_url(value) if "://" in value else None
        if link is None:
            ids.append(value)
        else:
            ids.append(link.conversation_id)
            links.append(link)
    if not links:
        return ids, settings
    agents = sorted({link.project for link in links})
    regions = sorted({link.region for link in links})
    if len(agents) > 1 or len(regions) > 1:
        named = ", ".join(clean_line(a)[:40] for a in agents[:3])
        raise UsageError(
            f"The Studio links name more than one agent or region ({named}); give the calls "
            "of one agent at a time."
        )
    given = settings.agent
    if given and given != links[0].project and any(not parse_studio_url(v) for v in values):
        raise UsageError(
            f"The Studio links are calls of agent {clean_line(links[0].project)[:60]}, the other "
            f"IDs of agent {clean_line(given)[:60]}; give the calls of one agent at a time."
        )
    return ids, settings_for_link(settings, links[0])
