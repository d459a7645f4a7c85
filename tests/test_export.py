"""Output formats: content, safety against hostile API text, odd payloads, size, notes."""

from __future__ import annotations

import csv
import io
import json
import math
import re
import subprocess
import sys
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from polytui.core.errors import EXIT_USAGE, UsageError
from polytui.core.models import Conversation, Note, percentile
from polytui.core.text import is_clean
from polytui.export import (
    CSV_COLUMNS,
    FORMATS,
    NOTES_KEY,
    ExportContext,
    export_filename,
    format_duration,
    format_offset,
    latency_class,
    latency_stats,
    pretty_json,
    render,
    render_csv,
    render_html,
    render_json,
    render_markdown,
    render_text,
    turn_flags,
)
from polytui.export.plain import cell_width, wrap

T0 = datetime(2024, 5, 2, 9, 0, tzinfo=UTC)
HOSTILE = (
    "[bold]x[/bold] [@click=app.quit]q[/] \x1b[2J\x1b]52;c;ZXZpbA==\x07\x1b]8;;http://e\x1b\\"
    "\x9b31m \u202eevil\u202c \u2066iso\u2069 nul\x00 bel\x07 bs\x08 del\x7f \ud800 end"
)
# Anything a terminal could act on: C0 (but newline), DEL, C1, bidi controls, lone surrogates.
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def conv(**fields) -> Conversation:
    data = {"conversationId": "CA1", "accountId": "ACC-1", "projectId": "PROJECT-1"}
    data.update(fields)
    return Conversation.from_data(data)


def note(turn, text="looks off", label="bad response", nid=1) -> Note:
    return Note(nid, "PROJECT-1", "CA1", turn, text, label, T0, T0)


def sample() -> Conversation:
    return conv(
        startedAt="2024-05-01T12:00:00Z",
        finishedAt="2024-05-01T12:03:05Z",
        channel="VOICE-SIP",
        direction="inbound",
        fromNumber="+441234567890",
        language="es-ES",
        variantId="var-7",
        clientEnv="live",
        deploymentId="dep-9",
        totalDuration=185,
        polyaiDuration=170,
        duration=185,
        handoff=True,
        handoffDestination="billing",
        handoffReason="asked for a human",
        tags=["vip", None],
        polyScore=4.5,
        shortSummary='{"heading": "Refund request", "content": "Wanted a refund."}',
        note="api-side note",
        audioUrl="https://example.com/a.wav",
        turns=[
            {
                "agent_response": "Hola",
                "agent_response_datetime": "2024-05-01T12:00:01Z",
                "latency": 0.5,
                "english_agent_response": "Hello",
            },
            {
                "user_input": "quiero un reembolso",
                "translated_user_input": "I want a refund",
                "user_input_datetime": "2024-05-01T12:01:12Z",
                "agent_response": "Claro",
                "latency": 3.4,
                "intents": ["refund", None],
                "is_ood": True,
                "entities": [{"order": ["1234", "5678"]}, {"reason": "broken"}],
            },
            {"user_input_dtmf": "1234", "agent_response": "Gracias", "latency": 2.0},
            {"is_silence": True, "agent_response": ""},
        ],
        metrics={"csat": "5", "topics": ["billing", "refunds"]},
        functionEvents=[{"name": "lookup", "args": {"id": 1}}],
        someFutureField={"kept": True},
    )


CTX = ExportContext(
    notes=[note(2, "too curt", "bad response", 1), note(None, "call is fine", None, 2)],
    fetched_at=T0,
    source="api",
    studio_url="https://studio.us.poly.ai/ACC-1/PROJECT-1/conversations/CA1",
)


# -- helpers shared with the TUI -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (None, "--:--"),
        (0, "00:00"),
        (72.9, "01:12"),
        (3725, "1:02:05"),
        (-3.2, "-00:03"),
        (float("nan"), "--:--"),
    ],
)
def test_format_offset(seconds, expected):
    assert format_offset(seconds) == expected


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(None, "--"), (185, "3m 05s"), (42, "42s"), (59.6, "1m 00s"), (3725, "1h 02m 05s")],
)
def test_format_duration(seconds, expected):
    assert format_duration(seconds) == expected


def test_latency_stats_and_classes():
    values = [0.2, 3.9, 1.1, 2.5, 0.7, 1.6]
    c = conv(turns=[{"latency": v} for v in values] + [{"latency": None}, {}])
    assert latency_stats(c) == (percentile(values, 50), percentile(values, 95), 3.9)
    assert latency_stats(conv(turns=[{"latency": None}])) is None
    assert latency_stats(conv()) is None
    assert [latency_class(v) for v in (1.49, 1.5, 2.99, 3.0, None)] == [
        "good",
        "warn",
        "warn",
        "slow",
        None,
    ]
    strict = ExportContext(latency_good=0.5, latency_warn=1.0)
    assert latency_class(0.7, strict) == "warn" and latency_class(1.0, strict) == "slow"


def test_default_thresholds_match_the_settings_defaults():
    from polytui.core import config

    assert ExportContext().latency_good == config.DEFAULT_LATENCY_GOOD
    assert ExportContext().latency_warn == config.DEFAULT_LATENCY_WARN


def test_turn_flags():
    c = sample()
    turns = c.turn_list
    assert turn_flags(turns[0], None, c) == []
    assert turn_flags(turns[1], None, c) == ["OOD", "slow"]
    assert turn_flags(turns[2], None, c) == ["DTMF"]
    assert turn_flags(turns[3], None, c) == ["silence", "handoff"]
    assert turn_flags(turns[3]) == ["silence"]  # handoff needs the conversation
    assert turn_flags(turns[2], ExportContext(latency_warn=2.0), c) == ["DTMF", "slow"]
    no_handoff = conv(handoff=False, turns=[{"agent_response": "bye"}])
    assert turn_flags(no_handoff.turn_list[0], None, no_handoff) == []


def test_render_dispatch_and_unknown_format():
    c = sample()
    assert render(c, "TEXT") == render_text(c)
    assert render(c, "markdown", CTX) == render_markdown(c, CTX)
    for fmt in FORMATS:
        assert render(c, fmt, CTX)
    with pytest.raises(UsageError) as info:
        render(c, "pdf\x1b[2J")
    assert info.value.exit_code == EXIT_USAGE
    assert "pdf" in info.value.message and "\x1b" not in info.value.message
    assert "markdown" in info.value.message


def test_export_filename_is_safe():
    assert export_filename(conv(), "markdown") == "CA1.md"
    name = export_filename(conv(conversationId="../../etc/passwd"), "csv")
    assert "/" not in name and not name.startswith(".") and name.endswith(".csv")


def test_import_does_not_pull_in_ui_or_network_libraries():
    code = (
        "import sys, polytui.export\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'httpx', 'rich')]\n"
        "print(bad)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# -- text ---------------------------------------------------------------------------------------


def test_text_has_header_turns_notes_and_sections():
    out = render_text(sample(), CTX)
    for expected in (
        "Conversation CA1",
        "ACC-1 / PROJECT-1",
        "VOICE-SIP",
        "inbound",
        "+441234567890",
        "es-ES",
        "var-7",
        "live",
        "dep-9",
        "2024-05-01 12:00:00 UTC",
        "total 3m 05s, PolyAI 2m 50s, duration 3m 05s",
        "yes, to billing; reason: asked for a human",
        "vip",
        "4.5",
        "api-side note",
        "https://example.com/a.wav",
        "studio.us.poly.ai",
        "p50 2.00 s, p95 3.40 s, max 3.40 s",
        "2024-05-02 09:00:00 UTC from api",
        "Refund request",
        "Wanted a refund.",
    ):
        assert expected in out, expected
    assert '"heading"' not in out  # the JSON summary is understood, not dumped
    lines = out.splitlines()
    assert lines.index("#2  01:12") < lines.index("#3  --:--")
    turn2 = "\n".join(lines[lines.index("#2  01:12") : lines.index("#3  --:--")])
    assert re.search(r"caller\s+quiero un reembolso\n\s+translated\s+I want a refund", turn2)
    assert re.search(r"latency\s+3\.40 s slow", turn2)
    assert re.search(r"entities\s+order: 1234, 5678; reason: broken", turn2)
    assert re.search(r"flags\s+OOD, slow", turn2) and re.search(r"intents\s+refund\n", turn2)
    assert "  note [bad response]: too curt" in turn2
    assert re.search(r"agent\s+Hola\n\s+english\s+Hello", out)
    assert re.search(r"caller\s+DTMF 1 2 3 4", out)
    assert re.search(r"caller\s+\(silence\)\n\s+agent\s+\(no response\)", out)
    assert re.search(r"flags\s+silence, handoff", out)
    assert out.index("Reviewer notes") < out.index("note: call is fine") < out.index("Transcript")
    assert '"topics": [' in out and '"args": {' in out
    assert out.index("Metrics") < out.index("Function events")
    assert out.endswith("\n") and "\x1b" not in out


def test_text_summary_plain_and_malformed():
    assert "  Just a plain summary" in render_text(conv(shortSummary="Just a plain summary"))
    broken = render_text(conv(shortSummary='{"heading": "cut off'))
    assert '{"heading": "cut off' in broken


def test_text_wraps_with_hanging_indent():
    words = " ".join(f"word{i}" for i in range(80))
    out = render_text(conv(turns=[{"user_input": words, "agent_response": "短い" * 60}]))
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("caller"))
    block = lines[start : start + 4]
    assert all(cell_width(line) <= 100 for line in lines)
    assert block[1].startswith(" " * 14) and not block[1].startswith(" " * 15)
    assert " ".join(" ".join(line.split()) for line in block[:4]).count("word") >= 40
    agent = next(i for i, line in enumerate(lines) if line.lstrip().startswith("agent"))
    cjk = [line.strip() for line in lines[agent : agent + 3]]
    assert cjk[0].startswith("agent") and "".join([cjk[0][5:].strip()] + cjk[1:]) == "短い" * 60
    assert wrap("a " * 10 + "http://" + "x" * 150, "> ", "  ", 40)[-1].endswith("x" * 150)


# -- hostile text: nothing a terminal could act on reaches the output ----------------------------


def hostile_conversation() -> Conversation:
    turn = {
        key: HOSTILE
        for key in (
            "user_input",
            "user_input_dtmf",
            "agent_response",
            "translated_user_input",
            "english_agent_response",
            "user_input_datetime",
        )
    }
    turn.update(intents=[HOSTILE], entities=[{HOSTILE: [HOSTILE, HOSTILE]}], latency=1.0)
    fields = {
        key: HOSTILE
        for key in (
            "channel",
            "direction",
            "fromNumber",
            "toNumber",
            "language",
            "variantId",
            "clientEnv",
            "deploymentId",
            "handoffDestination",
            "handoffReason",
            "note",
            "audioUrl",
            "startedAt",
        )
    }
    return conv(
        conversationId="CA" + HOSTILE,
        accountId=HOSTILE,
        tags=[HOSTILE],
        shortSummary=json.dumps({"heading": HOSTILE, "content": HOSTILE}),
        turns=[turn],
        metrics={HOSTILE: HOSTILE, "list": [HOSTILE]},
        functionEvents={"e": [{"args": HOSTILE}]},
        handoff=True,
        **fields,
    )


HOSTILE_CTX = ExportContext(
    notes=[note(1, HOSTILE, HOSTILE), note(None, HOSTILE, None, 2)],
    source=HOSTILE,
    studio_url="javascript:alert(1)" + HOSTILE,
)


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "csv"])
def test_hostile_text_is_neutralised(fmt):
    out = render(hostile_conversation(), fmt, HOSTILE_CTX)
    if fmt == "csv":
        out = out.replace("\r\n", "\n")
    assert RAW_CONTROL.search(out) is None
    assert is_clean(out)
    assert "\u241b" in out  # ESC is shown as a visible picture, not dropped silently
    if fmt in ("text", "csv", "html"):
        assert "[bold]x[/bold] [@click=app.quit]q[/]" in out
    out.encode("utf-8")  # lone surrogates were replaced, so writing never fails


def test_hostile_json_is_faithful_and_safe_to_print():
    c = hostile_conversation()
    out = render_json(c, HOSTILE_CTX)
    assert RAW_CONTROL.search(out.replace("\n", "")) is None
    for escaped in ("\\u001b", "\\u009b", "\\u202e", "\\u2066", "\\ud800", "\\u007f"):
        assert escaped in out, escaped
    out.encode("utf-8")
    data = json.loads(out)
    notes = data.pop(NOTES_KEY)
    # (to_json_dict itself refuses lone surrogates; the export falls back to the same dump)
    assert data == c.to_dict()
    assert data["note"] == HOSTILE and notes[0]["text"] == HOSTILE


# -- odd payloads --------------------------------------------------------------------------------

V1_NULLS = {
    key: None
    for key in (
        "createdAt",
        "startedAt",
        "finishedAt",
        "channel",
        "fromNumber",
        "toNumber",
        "language",
        "variantId",
        "clientEnv",
        "totalDuration",
        "polyaiDuration",
        "duration",
        "inProgress",
        "handoff",
        "handoffDestination",
        "handoffReason",
        "direction",
        "tags",
        "polyScore",
        "shortSummary",
        "deploymentId",
        "note",
        "audioUrl",
        "metrics",
        "functionEvents",
    )
}
NULL_TURN = {
    key: None
    for key in (
        "user_input",
        "user_input_dtmf",
        "user_input_datetime",
        "agent_response",
        "agent_response_datetime",
        "latency",
        "translated_user_input",
        "english_agent_response",
        "intents",
        "entities",
        "is_ood",
        "is_silence",
    )
}


@pytest.mark.parametrize("turns", [[], None, "absent"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_transcripts_and_nulls(fmt, turns):
    fields = dict(V1_NULLS) if turns is None else {}
    if turns != "absent":
        fields["turns"] = turns
    out = render(conv(**fields), fmt, CTX)
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(out)))
        assert rows[0] == list(CSV_COLUMNS) and len(rows) == 2  # header + call-level notes
        # the turn-2 note has no turn to sit on in an empty transcript: kept at call level
        assert rows[1][1] == "" and rows[1][-1] == (
            "(turn 2, not in this copy) [bad response] too curt | call is fine"
        )
    elif fmt == "json":
        assert json.loads(out)[NOTES_KEY][0]["text"] == "too curt"
    else:
        assert "Transcript (0 turns)" in out
        assert "Summary" not in out and "Metrics" not in out
        assert "None" not in out and "null" not in out


@pytest.mark.parametrize("fmt", FORMATS)
def test_turns_full_of_nulls(fmt):
    c = conv(**V1_NULLS, turns=[NULL_TURN, None, dict(NULL_TURN, agent_response="ok")])
    out = render(c, fmt)
    if fmt == "text":
        assert "#2  --:--" in out and "#3" not in out and "None" not in out
    if fmt == "csv":
        assert len(list(csv.reader(io.StringIO(out)))) == 3


@pytest.mark.parametrize("fmt", FORMATS)
def test_big_call_renders_in_every_format(fmt):
    turn = {
        "user_input": "I would like to change my booking for tomorrow evening please",
        "agent_response": "Of course. Could you tell me the name on the booking?",
        "user_input_datetime": "2024-05-01T12:00:10Z",
        "latency": 1.7,
        "intents": ["change_booking"],
        "entities": [{"date": "tomorrow"}],
    }
    c = conv(startedAt="2024-05-01T12:00:00Z", turns=[turn] * 5000)
    notes = [note(n, f"note {n}", nid=n) for n in range(1, 5001, 50)]
    out = render(c, fmt, ExportContext(notes=notes))  # its speed is benchmarks/'s business
    assert out.count("change my booking") == 5000


def test_weird_metrics_in_every_format():
    deep: object = "bottom"
    for _ in range(400):  # deeper than pydantic's serialiser goes
        deep = [deep]
    metrics = {
        "n": 3,
        "f": -0.5,
        "none": None,
        "list": ["a", "b"],
        "nested": {"x": [1, {"y": []}]},
        "multi": "line one\nline two",
        "empty": {},
        "deep": deep,
    }
    c = conv(metrics=metrics, functionEvents=[None, 1, "two", {"three": [3]}])
    assert json.loads(render_json(c))["metrics"] == metrics
    for fmt in ("text", "markdown", "html"):
        out = render(c, fmt)
        assert "bottom" in out and "line one\\nline two" in out and "three" in out
    for scalar in (None, [], {}):
        assert "Metrics" not in render_text(conv(metrics=scalar))
    assert "Metrics" in render_text(conv(metrics=0)) and "Metrics" in render_text(conv(metrics=[1]))


@pytest.mark.parametrize("fmt", FORMATS)
def test_nesting_deeper_than_the_recursion_limit(fmt):
    depth = sys.getrecursionlimit() + 100
    deep: object = "deepest-leaf"
    for _ in range(depth):
        deep = [deep]
    c = conv(metrics={"deep": deep}, turns=[{"user_input": "hi", "entities": [{"e": deep}]}])
    out = render(c, fmt)
    assert out.count("deepest-leaf") == (1 if fmt == "csv" else 2)  # csv has no metrics
    if fmt == "json":
        squeezed = re.sub(r"\s", "", out)
        assert '"metrics":{"deep":' + "[" * depth + '"deepest-leaf"' + "]" * depth + "}" in squeezed


def test_pretty_json_matches_the_standard_library():
    value = {"a": [1, 2.5, None, True, {"b": "ç\n"}], "c": {}, "d": [], "e": [[[]]]}
    assert pretty_json(value) == json.dumps(value, indent=2, ensure_ascii=False)
    assert pretty_json("x") == '"x"' and pretty_json([]) == "[]"


def test_multi_valued_entities_everywhere():
    c = conv(
        turns=[
            {
                "user_input": "hi",
                "entities": [{"city": ["Paris", "Lyon"]}, {"when": {"from": 1}}, "bare"],
            }
        ]
    )
    expected = 'city: Paris, Lyon; when: {"from": 1}; bare'
    assert expected in render_text(c)
    assert "city: Paris, Lyon" in render_markdown(c)
    assert "city: Paris, Lyon; when: {&quot;from&quot;: 1}; bare" in render_html(c)
    row = list(csv.DictReader(io.StringIO(render_csv(c))))[0]
    assert json.loads(row["entities"]) == c.turn_list[0].entities


def test_in_progress_marker():
    c = conv(inProgress=True)
    assert "IN PROGRESS" in render_text(c) and "In progress" in render_html(c)
    assert "IN PROGRESS" in render_markdown(c)


# -- json ----------------------------------------------------------------------------------------


def test_json_is_faithful_pretty_and_carries_notes():
    c = sample()
    plain = render_json(c)
    assert NOTES_KEY not in plain and plain.endswith("}\n") and '\n  "accountId"' in plain
    assert json.loads(plain)["someFutureField"] == {"kept": True}
    data = json.loads(render_json(c, CTX))
    assert data.pop(NOTES_KEY) == [n.to_json_dict() for n in CTX.notes]
    assert data == c.to_json_dict()
    assert "café" in render_json(conv(note="café"))


def test_json_never_writes_nan():
    c = Conversation.from_json_bytes(
        '{"conversationId": "a", "accountId": "b", "projectId": "c", "turns": [{"latency": NaN}]}'
    )

    def refuse(name):
        raise AssertionError(name)

    out = render_json(c)
    assert json.loads(out, parse_constant=refuse)["turns"][0]["latency"] is None
    assert math.isnan(c.turn_list[0].latency)  # the model itself is untouched


# -- csv -----------------------------------------------------------------------------------------


def test_csv_rows_cells_and_notes():
    c = sample()
    ctx = ExportContext(
        notes=[
            note(2, "too curt"),
            note(2, "second", None, 2),
            note(None, "overall", None, 3),
            note(9, "lost", "missing topic", 4),
        ]
    )
    rows = list(csv.DictReader(io.StringIO(render_csv(c, ctx))))
    assert len(rows) == 5
    second = rows[1]
    assert second["turn"] == "2" and second["offset"] == "72" and second["latency"] == "3.4"
    assert second["translated_user_input"] == "I want a refund" and second["is_ood"] == "true"
    assert second["intents"] == "refund" and second["notes"] == "[bad response] too curt | second"
    assert rows[2]["user_input_dtmf"] == "1234" and rows[3]["is_silence"] == "true"
    assert rows[0]["is_silence"] == "" and rows[0]["offset"] == "1"
    assert rows[4]["turn"] == "" and "overall" in rows[4]["notes"]
    assert "(turn 9, not in this copy) [missing topic] lost" in rows[4]["notes"]


def test_csv_formula_guard_and_newlines():
    risky = [
        '=HYPERLINK("http://x")',
        "+1+1",
        "-2+3",
        "@SUM(A1)",
        "\r=1",
        "＝1",
        "-5",
        "+3.5",
        "-1e5",
        "plain",
        "multi\nline",
    ]
    c = conv(turns=[{"user_input": value, "agent_response": value} for value in risky])
    rows = list(csv.DictReader(io.StringIO(render_csv(c))))
    got = [row["user_input"] for row in rows]
    assert got == [
        '\'=HYPERLINK("http://x")',
        "'+1+1",
        "'-2+3",
        "'@SUM(A1)",
        "'\n=1",
        "'＝1",
        "-5",
        "+3.5",
        "-1e5",
        "plain",
        "multi\nline",
    ]
    assert [row["agent_response"] for row in rows] == got
    guarded = conv(conversationId="=cmd|' /C calc'!A0", turns=[{"intents": ["@x"]}])
    row = list(csv.DictReader(io.StringIO(render_csv(guarded))))[0]
    assert row["conversation_id"].startswith("'=") and row["intents"] == "'@x"


# -- markdown ------------------------------------------------------------------------------------

ATTACKS = [
    "# Heading",
    "- item",
    "1. item",
    "| a | b |",
    "<script>alert(1)</script>",
    "[link](javascript:alert(1))",
    "![img](http://x/y.png)",
    "**bold** _em_",
    "`code`",
    "---",
    "===",
    "> quote",
    "<http://auto.link>",
    "~~strike~~",
    "    indented code",
    "```",
    "line one\n# second line heading\n\n- list after blank",
    "&lt;b&gt;",
    "trailing\\",
]


def _md_tokens(text):
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    flat = []
    for token in md.parse(text):
        flat.append(token)
        flat.extend(token.children or [])
    return flat


def test_markdown_content_and_layout():
    out = render_markdown(sample(), CTX)
    tokens = _md_tokens(out)
    headings = [
        t.content
        for i, t in enumerate(tokens[:-1])
        if tokens[i].type == "heading_open"
        for t in [tokens[i + 1]]
    ]
    assert headings[:3] == ["Conversation CA1", "Summary", "Reviewer notes"]
    assert "Turn 2 · 01:12" in headings and headings[-2:] == ["Metrics", "Function events"]
    assert "| Account / project | ACC-1 / PROJECT-1 |" in out
    assert "- **Caller:** quiero un reembolso" in out and "**slow**" in out
    assert "> **Note \\[bad response\\]:** too curt" in out
    fences = [t for t in tokens if t.type == "fence"]
    assert [f.info for f in fences] == ["json", "json"]
    assert json.loads(fences[0].content) == sample().metrics


def test_markdown_api_text_cannot_break_the_layout():
    c = conv(
        note=" ".join(ATTACKS),
        tags=ATTACKS,
        turns=[{"user_input": a, "agent_response": a, "intents": [a]} for a in ATTACKS],
        metrics={"x": "``` ```` `````````` ~~~", "y": ATTACKS},
    )
    ctx = ExportContext(notes=[note(1, "\n".join(ATTACKS)), note(None, "# boom\n```", None, 2)])
    out = render_markdown(c, ctx)
    tokens = _md_tokens(out)
    kinds = {t.type for t in tokens}
    assert not kinds & {
        "html_block",
        "html_inline",
        "link_open",
        "image",
        "code_inline",
        "s_open",
        "em_open",
        "code_block",
        "hr",
        "ordered_list_open",
    }
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    turn_headings = [f"Turn {n} · --:--" for n in range(1, len(ATTACKS) + 1)]
    assert headings == [
        "Conversation CA1",
        "Reviewer notes",
        f"Transcript ({len(ATTACKS)} turns)",
    ] + turn_headings + ["Metrics"]
    fences = [t for t in tokens if t.type == "fence"]
    assert len(fences) == 1 and json.loads(fences[0].content) == c.metrics
    assert fences[0].markup == "`" * 11
    items = [t for t in tokens if t.type == "list_item_open"]
    assert len(items) == sum(1 for line in out.splitlines() if line.startswith("- **"))
    table_rows = [t for t in tokens if t.type == "tr_open"]
    source_rows = sum(1 for line in out.splitlines() if line.startswith("| "))
    assert len(table_rows) == source_rows - 1  # the delimiter row is not a row
    cells = [t for t in tokens if t.type in ("td_open", "th_open")]
    assert len(cells) == 2 * len(table_rows)
    text = "".join(t.content for t in tokens if t.type == "text")
    for attack in ("<script>alert(1)</script>", "[link](javascript:alert(1))", "**bold** _em_"):
        assert attack in text  # shown literally, not interpreted


# -- html ----------------------------------------------------------------------------------------


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _parse_html(out: str) -> _Collector:
    parser = _Collector()
    parser.feed(out)
    parser.close()
    return parser


def test_html_is_self_contained_and_classed():
    out = render_html(sample(), CTX)
    page = _parse_html(out)
    names = [tag for tag, _ in page.tags]
    assert ("meta", {"charset": "utf-8"}) in page.tags and "title" in names
    assert "script" not in names and "link" not in names and "img" not in names
    assert "@import" not in out and "url(" not in out and "prefers-color-scheme: dark" in out
    latency = [
        attrs["class"]
        for tag, attrs in page.tags
        if tag == "span" and attrs.get("class", "").startswith("lat ")
    ]
    assert latency == ["lat lat-good", "lat lat-slow", "lat lat-warn"]
    rows = [attrs for tag, attrs in page.tags if tag == "tr" and "id" in attrs]
    assert [r["id"] for r in rows] == ["turn-1", "turn-2", "turn-3", "turn-4"]
    assert "flag-ood" in rows[1]["class"] and "flag-handoff" in rows[3]["class"]
    notes = out.split('id="turn-2"')[1].split('id="turn-3"')[0]
    assert 'class="note"><strong>note [bad response]:</strong> too curt' in notes
    assert "call is fine" in out.split("Transcript")[0]
    links = [attrs["href"] for tag, attrs in page.tags if tag == "a"]
    assert links == ["https://example.com/a.wav", CTX.studio_url]


def test_html_escapes_api_text():
    c = conv(
        audioUrl="javascript:alert(1)",
        turns=[
            {"user_input": '<script>alert("x")</script> & <b>', "agent_response": "'\"><img src=x>"}
        ],
    )
    out = render_html(c, ExportContext(notes=[note(1, "<i>note</i>")]))
    page = _parse_html(out)
    names = [tag for tag, _ in page.tags]
    assert "script" not in names and "img" not in names and "i" not in names
    assert "a" not in names  # a javascript: URL is never a link
    text = "".join(page.text)
    assert '<script>alert("x")</script> & <b>' in text and "'\"><img src=x>" in text
    assert "<i>note</i>" in text and "javascript:alert(1)" in text
