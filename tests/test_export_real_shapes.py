"""Exports of calls shaped as the real API sends them (polytui.demo's real-shaped samples):
function events under their turn, barge-in, handoffs, ASR corrections, reviews, alternatives,
metric histories, the summary object; and that hostile text in those new places stays inert."""

from __future__ import annotations

import copy
import csv
import io
import json
import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from polytui.core.models import Conversation, Note
from polytui.core.text import is_clean
from polytui.demo import real_shaped_conversations
from polytui.export import (
    CSV_COLUMNS,
    FORMATS,
    NOTES_KEY,
    ExportContext,
    format_latency,
    latency_stats,
    render,
    render_csv,
    render_html,
    render_json,
    render_markdown,
    render_text,
    turn_flags,
)

T0 = datetime(2026, 6, 3, 14, 0, tzinfo=UTC)
ERROR = "Scheduling system timed out after 5 s"
LATENCY = "p50 1.47 s, p95 5.88 s, max 5.88 s"
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
HOSTILE = "\x1b[2J\x1b]52;c;ZXZpbA==\x07 \x9b31m \u202eevil <script>x</script> [a](javascript:1) |"


def clinic_data() -> dict:
    return real_shaped_conversations()[0]


def chat_data() -> dict:
    return real_shaped_conversations()[1]


def clinic() -> Conversation:
    return Conversation.from_data(clinic_data())


def chat() -> Conversation:
    return Conversation.from_data(chat_data())


def note(turn, text="needs a look", nid=1) -> Note:
    c = clinic()
    return Note(nid, c.project_id, c.conversation_id, turn, text, "bad response", T0, T0)


# -- where each format's turn sections are -------------------------------------------------------

_TURN_START = {"text": "#{n}  ", "markdown": "### Turn {n} ·", "html": 'id="turn-{n}"'}
_AFTER_TURNS = {"text": "\nMetrics\n", "markdown": "## Metrics", "html": "<h2>Metrics</h2>"}


def unescape(out: str) -> str:
    """Markdown's backslash escapes and HTML's quote entities undone, to compare text."""
    return re.sub(r"\\([^\n])", r"\1", out).replace("&quot;", '"')


def turn_section(out: str, fmt: str, number: int) -> str:
    start = out.index(_TURN_START[fmt].format(n=number))
    following = _TURN_START[fmt].format(n=number + 1)
    end = out.find(following, start)
    return out[start : end if end != -1 else out.index(_AFTER_TURNS[fmt], start)]


# -- the clinic call in every readable format ----------------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_failed_lookup_sits_under_turn_4_with_its_error(fmt):
    out = render(clinic(), fmt)
    turn4 = turn_section(out, fmt, 4)
    plain = turn4.replace("\\_", "_")  # markdown escapes underscores
    assert "find_appointment (5012 ms)" in plain and "FAILED:" in plain and ERROR in plain
    assert "patient_ref" in plain  # its arguments, compactly
    for other in (3, 5):
        assert "find_appointment" not in turn_section(out, fmt, other).replace("\\_", "_")


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_barge_in_and_handoff_on_turn_5(fmt):
    out = render(clinic(), fmt)
    turn5 = turn_section(out, fmt, 5).replace("\\_", "_")
    assert "BARGE-IN" in turn5
    assert "transfer_to_reception (88 ms)" in turn5
    assert "warm_transfer · booking_lookup_failed" in turn5
    assert 'updated {"stage": "handoff"}' in unescape(turn5)
    for other in range(1, 5):
        assert "BARGE-IN" not in turn_section(out, fmt, other)


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_call_level_summary_score_latency_and_metrics(fmt):
    c = clinic()
    out = render(c, fmt)
    assert "Reschedule attempt handed to reception" in out
    assert "booking lookup timed out" in out
    p50, p95, top = latency_stats(c)
    assert (
        f"p50 {format_latency(p50)}, p95 {format_latency(p95)}, max {format_latency(top)}"
    ) == LATENCY
    assert LATENCY in out
    metrics = out[out.index(_AFTER_TURNS[fmt]) :].replace("\\_", "_")
    if fmt == "text":
        assert re.search(r"\n  CALL_DURATION +73 at 2026-06-03 13:19:19 UTC\n", metrics)
        assert re.search(r"PolyScore +6\n", out)
    elif fmt == "markdown":
        assert "- **CALL_DURATION:** 73 at 2026-06-03 13:19:19 UTC\\" in metrics
        assert "| PolyScore | 6 |" in out
    else:
        assert "<th>CALL_DURATION</th><td>73</td>" in metrics
        assert "<th>PolyScore</th><td>6</td>" in out
    # the latest value first, then the history (oldest first)
    latest = "<td>73</td>" if fmt == "html" else "73 at"
    assert metrics.index(latest) < metrics.index("57 at") < metrics.rindex("73 at")
    assert '"timestamp"' not in out  # every metric is understood: no raw dump
    assert "/10" not in out and "6.0" not in out  # the score as the number, no scale


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_asr_corrections_alternatives_topics_and_reviews(fmt):
    out = render(clinic(), fmt)
    turn2, turn3 = turn_section(out, fmt, 2), turn_section(out, fmt, 3)
    turn4, turn5 = turn_section(out, fmt, 4), turn_section(out, fmt, 5)
    assert "Hi, I need to move my appointment on Thursday." in turn2
    assert "the 4th of March 1988." in turn3
    assert "thirsty" in turn2 and "(reschedule)" in turn2
    assert "Rescheduling appointments" in turn2
    assert "Reception opening hours, Transfers to staff" in turn5
    assert "Six seconds of dead air before the apology." in turn4
    assert "qa.lead@example.com" in turn4
    # turn 4's user input has no correction (the metadata repeats it): nothing shown
    assert "corrected" not in turn4.lower()


def test_text_layout_of_a_failed_event():
    turn4 = turn_section(render_text(clinic()), "text", 4)
    assert f"  function    find_appointment (5012 ms) FAILED: {ERROR}\n" in turn4
    assert '                arguments {"patient_ref": "P-20931", "on": "2026-06-04"}\n' in turn4
    assert re.search(r"\n  flags +slow\n", turn4)
    turn5 = turn_section(render_text(clinic()), "text", 5)
    assert re.search(r"\n  flags +slow, BARGE-IN, handoff\n", turn5)


def test_an_utterance_the_agent_response_already_says_is_not_repeated():
    data = clinic_data()
    out = render_text(Conversation.from_data(data))
    assert out.count("I'm putting you through to our reception team now.") == 1
    data["functionEvents"]["5"][0]["utterance"] = "One moment."
    assert "utterance One moment." in render_text(Conversation.from_data(data))


def test_markdown_structure_holds():
    out = render_markdown(clinic())
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    tokens = [t for token in md.parse(out) for t in [token, *(token.children or [])]]
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings == [
        f"Conversation {clinic().conversation_id}",
        "Summary",
        "Transcript (5 turns)",
        *[
            f"Turn {n} · {t}"
            for n, t in enumerate(["00:00", "00:08", "00:24", "00:37", "00:55"], 1)
        ],
        "Metrics",
    ]
    assert not {t.type for t in tokens} & {"html_inline", "html_block", "link_open", "fence"}
    strong = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "strong_open"]
    assert "FAILED:" in strong and "Reschedule attempt handed to reception" in strong


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_html_marks_the_failure_and_the_barge_in():
    out = render_html(clinic())
    parser = _Tags()
    parser.feed(out)
    rows = {a["id"]: a["class"] for t, a in parser.tags if t == "tr" and "id" in a}
    assert "flag-barge-in" in rows["turn-5"] and "flag-barge-in" not in rows["turn-4"]
    failed = turn_section(out, "html", 4)
    assert f'<span class="failed">FAILED:</span> {ERROR}' in failed
    assert not {t for t, _ in parser.tags} & {"script", "img", "a", "link"}


# -- csv -----------------------------------------------------------------------------------------


def test_csv_has_the_new_columns_before_notes():
    assert CSV_COLUMNS[-6:] == (
        "barge_in",
        "asr_corrected",
        "function_events",
        "retrieved_topics",
        "review",
        "notes",
    )
    rows = list(csv.DictReader(io.StringIO(render_csv(clinic(), ExportContext(notes=[note(4)])))))
    assert len(rows) == 5
    assert [r["barge_in"] for r in rows] == ["false"] * 4 + ["true"]
    assert rows[1]["asr_corrected"] == "Hi, I need to move my appointment on Thursday."
    assert rows[3]["asr_corrected"] == ""
    assert rows[2]["function_events"] == "lookup_patient (412 ms)"
    assert rows[3]["function_events"] == f"find_appointment (5012 ms) FAILED: {ERROR}"
    assert rows[4]["function_events"] == "transfer_to_reception (88 ms)"
    assert rows[4]["retrieved_topics"] == "Reception opening hours; Transfers to staff"
    assert rows[3]["notes"] == "[bad response] needs a look"
    assert rows[4]["latency"] == "3.882713" and rows[3]["latency"] == "5.882"


def test_csv_joins_several_events_of_a_turn():
    data = clinic_data()
    data["functionEvents"]["4"].append({"name": "retry", "duration": 9, "error": "again"})
    row = list(csv.DictReader(io.StringIO(render_csv(Conversation.from_data(data)))))[3]
    assert row["function_events"] == (
        f"find_appointment (5012 ms) FAILED: {ERROR}; retry (9 ms) FAILED: again"
    )


# -- json ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [clinic_data, chat_data])
def test_json_is_the_payload_as_received(make):
    data = make()
    out = render_json(Conversation.from_data(copy.deepcopy(data)), ExportContext(notes=[note(2)]))
    loaded = json.loads(out)
    assert loaded.pop(NOTES_KEY)[0]["text"] == "needs a look"
    assert loaded == data and list(loaded) == list(data)
    assert json.loads(render_json(Conversation.from_data(copy.deepcopy(data)))) == data


# -- the chat with older shapes ------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_chat_with_older_shapes_exports_in_every_format(fmt):
    out = render(chat(), fmt)
    assert "are you open saturday" in out
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out)))
        assert len(rows) == 2  # the turn that is not an object is no turn
        assert rows[1]["retrieved_topics"] == "Opening hours" and rows[1]["latency"] == "1.1"
        assert rows[1]["barge_in"] == "" and rows[1]["function_events"] == ""
        return
    if fmt == "json":
        assert json.loads(out) == chat_data()
        return
    assert "Opening hours" in out and "Asked when the clinic opens on Saturday" in out
    assert '"heading"' not in out.replace("&quot;", '"')  # the JSON summary is understood
    assert "p50 0.35 s, p95 1.10 s, max 1.10 s" in out
    assert "Transcript (2 turns)" in out
    assert "connection dropped" not in out
    assert "TURNS" in out and "CONTAINED" in out
    assert "Function events" not in out  # an empty object: nothing to show
    assert "BARGE-IN" not in out


# -- what the formats do with odd or missing pieces ----------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_events_tied_to_no_turn_have_their_own_section(fmt):
    data = clinic_data()
    data["functionEvents"]["9"] = [{"name": "send_sms", "duration": 30, "extra": "kept"}]
    out = render(Conversation.from_data(data), fmt).replace("\\_", "_")
    section = out[out.index("Function events") :]
    assert "send_sms (30 ms) (turn 9, not in this copy)" in section
    assert "kept" in section  # shown as sent as well
    assert "send_sms" not in out[: out.index("Function events")]


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_metrics_not_understood_are_also_shown_as_sent(fmt):
    data = clinic_data()
    data["metrics"]["ODD"] = [["nested"], {"no": "value"}]
    out = render(Conversation.from_data(data), fmt).replace("\\_", "_")
    metrics = out[out.index(_AFTER_TURNS[fmt]) :]
    assert "As sent:" in metrics or "as sent:" in metrics
    assert "nested" in metrics and "CALL_DURATION" in metrics


def test_turn_flags_order_with_barge_in():
    c = clinic()
    assert turn_flags(c.turn_list[4], conversation=c) == ["slow", "BARGE-IN", "handoff"]
    assert turn_flags(c.turn_list[1], conversation=c) == []


def hostile_clinic() -> Conversation:
    data = clinic_data()
    for events in data["functionEvents"].values():
        for event in events:
            event.update(name=HOSTILE, arguments={HOSTILE: HOSTILE}, utterance=HOSTILE)
            event["error"] = {"message": HOSTILE}
            event["handoff"] = {"reason": HOSTILE, "type": HOSTILE}
            event["state_changes"] = {"updated": {HOSTILE: HOSTILE}}
    data["functionEvents"]["12"] = [HOSTILE]
    for turn in data["turns"]:
        turn["barge_in"] = True
        turn["reviews"] = [{"label": HOSTILE, "comment": HOSTILE, "author": HOSTILE}, HOSTILE]
        turn["metadata"].update(
            asr_corrected_user_input=HOSTILE,
            retrieved_topics=[HOSTILE],
            top_transcripts=[{"text": HOSTILE, "intents": [HOSTILE]}, HOSTILE],
        )
    data["metrics"][HOSTILE] = [{"timestamp": HOSTILE, "value": HOSTILE}, {"value": HOSTILE}]
    data["shortSummary"] = {"heading": HOSTILE, "content": HOSTILE}
    return Conversation.from_data(data)


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "csv"])
def test_hostile_text_in_the_new_places_is_inert(fmt):
    out = render(hostile_clinic(), fmt)
    if fmt == "csv":
        out = out.replace("\r\n", "\n")
    assert RAW_CONTROL.search(out) is None and is_clean(out)
    assert "\u241b" in out  # ESC shown as a picture
    if fmt == "html":
        parser = _Tags()
        parser.feed(out)
        assert not {t for t, _ in parser.tags} & {"script", "a", "img"}
    if fmt == "markdown":
        md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
        kinds = {t.type for token in md.parse(out) for t in [token, *(token.children or [])]}
        assert not kinds & {"html_inline", "html_block", "link_open"}
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(out)))
        assert all(len(row) == len(CSV_COLUMNS) for row in rows)


def test_spec_shaped_turns_show_none_of_the_new_details():
    c = Conversation.from_data(
        {
            "conversationId": "CA1",
            "accountId": "A",
            "projectId": "P",
            "turns": [{"user_input": "hi", "agent_response": "hello", "latency": 0.4}],
        }
    )
    out = render_text(c)
    for label in ("corrected", "heard as", "topics", "function", "review", "flags", "Metrics"):
        assert label not in out
    row = list(csv.DictReader(io.StringIO(render_csv(c))))[0]
    assert [row[k] for k in CSV_COLUMNS[-5:]] == ["", "", "", "", ""]
