"""Listing calls by filter over PolyAI's API (``ApiClient.list_page``, the ConversationLister
role): two endpoints, one request per page, through the client's one request path (retries,
``Retry-After`` shared by every request of the client, same-origin redirects only, the size
cap, the keys redacted).

- With an account (the Studio workspace ID): the v3 list on the region's platform host,
  ``GET {platform}/v3/{account}/{agent}/conversations`` with the platform key (its own, else
  the main one). Every filter of ``ListFilter`` the API has is sent, the same on every page
  (``limit`` is the page size, not the listing's limit); the page after is asked with the
  ``cursor`` sent back, or, when the API answers ``next_offset`` instead, with ``offset``.
  A 400 on a page asked with a cursor is a malformed cursor.
- Without one: the older Data API list on the get-by-ID host, ``GET {base}/v1/agents/{agent}/
  conversations?limit=&offset=`` with the main key, at most ``DATA_API_PAGE`` calls a page.
  It has no filters: ``unapplied`` names them.

Summaries are read by ``polytui.core.listed.ListedCall`` (either shape); one without an ID is
counted in ``ListPage.skipped``, not listed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from polytui.core.config import Settings
from polytui.core.errors import BadPayloadError
from polytui.core.ids import ACCOUNT_ID, check_id_segment
from polytui.core.listed import ListedCall
from polytui.core.listing import DEFAULT_PAGE_SIZE, ListFilter, ListPage, PageToken

from .wire import Refusals, Reply, short_text

if TYPE_CHECKING:
    import httpx

    from .client import ApiClient

PLATFORM_KEY_NAMES = "POLYAI_PLATFORM_API_KEY (or POLYAI_API_KEY)"
# The Data API's page: what PolyAI's own CLI asks for (its bound is not published).
DATA_API_PAGE = 50


class Lister:
    """``ApiClient``'s part as a ``ConversationLister`` (mixed into it)."""

    settings: Settings

    def unapplied(self, filters: ListFilter) -> tuple[str, ...]:
        return unapplied(self.settings, filters)

    async def list_page(
        self,
        filters: ListFilter,
        after: PageToken | None = None,
        *,
        agent: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> ListPage:
        client: ApiClient = self  # type: ignore[assignment]  # only ApiClient mixes this in
        return await list_page(client, filters, after, agent=agent, page_size=page_size)


def unapplied(settings: Settings, filters: ListFilter) -> tuple[str, ...]:
    """The API filters of ``filters`` that will not be applied: all of them without an
    account (the Data API has none), none with one."""
    return () if settings.account else filters.api_filters()


def v3_query(filters: ListFilter, after: PageToken | None, page_size: int) -> list[tuple[str, str]]:
    """The query of one v3 page: the filters (identical on every page), ``limit``, and the
    position (a cursor, or the legacy offset)."""
    params: list[tuple[str, str]] = []
    if filters.since:
        params.append(("start_time", filters.since))
    if filters.until:
        params.append(("end_time", filters.until))
    if filters.environment:
        params.append(("client_env", filters.environment))
    params.extend(("channel", channel) for channel in filters.channels)
    if filters.variant_id:
        params.append(("variant_id", filters.variant_id))
    elif filters.variant:
        params.append(("variant_name", filters.variant))
    if filters.in_progress is not None:
        params.append(("in_progress", "true" if filters.in_progress else "false"))
    if filters.query:
        params.append(("query_type", "semantic" if filters.semantic else "transcript"))
        params.append(("query", filters.query))
        if filters.turn:
            params.append(("turn_type", filters.turn))
    if filters.sample is not None:
        params.append(("sample", "random"))
    params.append(("limit", str(page_size)))
    if after is not None and after.cursor is not None:
        params.append(("cursor", after.cursor))
    elif after is not None and after.offset is not None:
        params.append(("offset", str(after.offset)))
    return params


async def list_page(
    client: ApiClient,
    filters: ListFilter,
    after: PageToken | None,
    *,
    agent: str | None,
    page_size: int,
) -> ListPage:
    if client.settings.account:
        # A window not yet fixed (``ListingRun`` fixes it once per listing) is fixed now.
        fixed = filters.resolved(datetime.now(UTC))
        return await _v3_page(client, fixed, after, agent, page_size)
    return await _data_api_page(client, filters, after, agent, page_size)


def _read_calls(data: Any, reply: Reply) -> tuple[tuple[ListedCall, ...], int]:
    items = data.get("conversations") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise BadPayloadError(
            f"The API at {reply.host} answered with a listing polytui cannot read "
            "(no list of conversations).",
            status=reply.status,
            correlation_id=reply.correlation_id,
        )
    calls = [ListedCall.read(item) for item in items]
    found = tuple(call for call in calls if call is not None)
    return found, len(items) - len(found)


def _whole(value: Any) -> int | None:
    return value if type(value) is int and value >= 0 else None


async def _v3_page(
    client: ApiClient,
    filters: ListFilter,
    after: PageToken | None,
    agent: str | None,
    page_size: int,
) -> ListPage:
    settings = client.settings
    agent_id = client._agent(agent)
    account = check_id_segment(settings.account or "", ACCOUNT_ID)
    key = client._key(settings.platform_key, ("POLYAI_PLATFORM_API_KEY", "platform_api_key"))
    base = settings.platform_base_url.rstrip("/")
    query = urlencode(v3_query(filters, after, page_size))
    url = client._url(
        f"{base}/v3/{quote(account, safe='')}/{quote(agent_id, safe='')}/conversations?{query}"
    )
    host = settings.platform_host
    who, where = short_text(agent_id, 100), short_text(account, 100)
    with_cursor = after is not None and after.cursor is not None
    refusals = Refusals(
        invalid=lambda said: (
            f"The API refused the cursor polytui sent back for the next page as malformed "
            f"{said}; list again from the start."
            if with_cursor
            else f"The API refused the listing's filters as invalid {said}."
        ),
        forbidden=lambda said: (
            f"The API key may not list conversations of agent {who} in account {where} "
            f"on {host} {said}."
        ),
        not_found=lambda said: (
            f"Agent {who} or account {where} was not found on {host} {said}; check the agent, "
            "the account (Studio workspace ID) and the region."
        ),
        key_names=PLATFORM_KEY_NAMES,
    )

    def interpret(reply: Reply) -> ListPage:
        if not 200 <= reply.status < 300:
            raise client.refusal(reply, refusals)
        data, _ = client.json_of(reply, "a listing")
        calls, skipped = _read_calls(data, reply)
        cursor = data.get("cursor")
        offset = _whole(data.get("next_offset"))
        following = None
        if isinstance(cursor, str) and cursor:
            following = PageToken(cursor=cursor)
        elif offset is not None:
            following = PageToken(offset=offset)
        return ListPage(calls, following, (), skipped, host)

    return await _get(client, url, key, interpret)


async def _data_api_page(
    client: ApiClient,
    filters: ListFilter,
    after: PageToken | None,
    agent: str | None,
    page_size: int,
) -> ListPage:
    settings = client.settings
    agent_id = client._agent(agent)
    key = client._key()
    offset = after.offset if after is not None and after.offset is not None else 0
    page_size = min(page_size, DATA_API_PAGE)
    base = settings.base_url.rstrip("/")
    query = urlencode({"limit": page_size, "offset": offset})
    url = client._url(f"{base}/v1/agents/{quote(agent_id, safe='')}/conversations?{query}")
    host, who = settings.host, short_text(agent_id, 100)
    refusals = Refusals(
        invalid=lambda said: f"The API refused the listing of agent {who} as invalid {said}.",
        forbidden=lambda said: (
            f"The API key may not list conversations of agent {who} on {host} {said}."
        ),
        not_found=lambda said: (
            f"Agent {who} was not found on {host} {said}; check the agent and the region."
        ),
    )
    skipped_filters = filters.api_filters()

    def interpret(reply: Reply) -> ListPage:
        if not 200 <= reply.status < 300:
            raise client.refusal(reply, refusals)
        data, _ = client.json_of(reply, "a listing")
        calls, skipped = _read_calls(data, reply)
        count = len(data["conversations"])
        # The API may cap the page below what was asked: it says its limit when it does.
        limit = _whole(data.get("limit")) or page_size
        following = PageToken(offset=offset + count) if count and count >= limit else None
        return ListPage(calls, following, skipped_filters, skipped, host)

    return await _get(client, url, key, interpret)


async def _get(
    client: ApiClient, url: httpx.URL, key: str, interpret: Callable[[Reply], ListPage]
) -> ListPage:
    """One page through the client's one request path: same-origin redirects only, retries
    with the shared ``Retry-After``, the size cap, the key kept out of errors; messages name
    the host asked."""

    async def attempt(deadline: asyncio.Timeout) -> ListPage:
        return interpret(await client._follow(url, key))

    host = url.netloc.decode("ascii", "replace")
    return await client._keyless(key, client._with_retries(attempt, host))
