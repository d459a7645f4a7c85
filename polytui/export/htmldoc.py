"""The HTML format: one self-contained page (inline CSS, no scripts, no external assets) that
reads well in light and dark browsers. Every API string is cleaned, then ``html.escape``d;
only http(s) URLs become links."""

from __future__ import annotations

import html
from urllib.parse import urlsplit

from polytui.core.facts import alternative_texts, review_texts
from polytui.core.models import Conversation, Note
from polytui.core.text import clean, clean_line

from .common import (
    DEFAULT_CONTEXT,
    CallNote,
    ExportContext,
    TurnView,
    entities_text,
    format_latency,
    format_offset,
    group_notes,
    has_value,
    iter_turns,
    latency_class,
    metadata_rows,
    note_label,
    pretty_json,
    spaced_dtmf,
)
from .details import (
    EventView,
    event_view,
    loose_event_lead,
    metric_views,
)

_CSS = """
:root { color-scheme: light dark; --fg: #1d2430; --muted: #5d6878; --bg: #ffffff;
  --panel: #f4f6f9; --line: #d9dee6; --accent: #3557c6; --good: #1e7a3a; --warn: #9a6400;
  --slow: #b3261e; --note-bg: #fff6d6; --note-line: #e0b400; --live: #b3261e; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e3e7ee; --muted: #9aa5b5; --bg: #15181e; --panel: #1e232b; --line: #343b46;
    --accent: #8aa7ff; --good: #5fcf80; --warn: #f0b849; --slow: #ff7a70; --note-bg: #3a3216;
    --note-line: #c9a227; --live: #ff7a70; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 24px; }
h1 { font-size: 1.4em; overflow-wrap: anywhere; }
h2 { font-size: 1.15em; margin-top: 2em; border-bottom: 1px solid var(--line); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px;
  border-bottom: 1px solid var(--line); }
th { color: var(--muted); font-weight: 600; }
.meta th { width: 11em; }
.text, .meta td { white-space: pre-wrap; overflow-wrap: anywhere; }
.turns td.num, .turns td.time { white-space: nowrap; color: var(--muted);
  font-variant-numeric: tabular-nums; }
.turns tr.flag-ood td.num { border-left: 4px solid var(--warn); }
.translation { color: var(--muted); font-style: italic; margin-top: 4px; }
.silence, .none { color: var(--muted); font-style: italic; }
.lat { white-space: nowrap; font-variant-numeric: tabular-nums; font-weight: 600; }
.lat-good { color: var(--good); }
.lat-warn { color: var(--warn); }
.lat-slow { color: var(--slow); }
.flag { display: inline-block; padding: 0 6px; margin: 1px 2px 1px 0; border-radius: 8px;
  border: 1px solid var(--line); background: var(--panel); font-size: 0.85em; }
.details div { margin-bottom: 2px; } .details b { color: var(--muted); font-weight: 600; }
.note { background: var(--note-bg); border-left: 4px solid var(--note-line); padding: 6px 10px;
  margin: 4px 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.live { color: var(--live); font-weight: 700; }
.asr { margin-top: 4px; } .asr b, .fn-detail b { color: var(--muted); font-weight: 600; }
.failed { color: var(--slow); font-weight: 700; }
.fn-detail { margin-left: 1.2em; overflow-wrap: anywhere; }
.metrics th { width: 16em; } .metrics td.at { white-space: nowrap; color: var(--muted); }
pre { background: var(--panel); padding: 12px; overflow-x: auto; border-radius: 6px; }
a { color: var(--accent); }
footer { margin-top: 3em; color: var(--muted); font-size: 0.85em; }
"""


def esc(value: object) -> str:
    """Any API value, cleaned and escaped for HTML text or a quoted attribute."""
    return html.escape(clean(value), quote=True)


def _link_or_text(value: str) -> str:
    url = clean_line(value).strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return esc(url)
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        target = html.escape(url, quote=True)
        return f'<a href="{target}" rel="noopener noreferrer">{target}</a>'
    return esc(url)


def _note(lead: str, note: Note) -> str:
    return f'<div class="note"><strong>{esc(lead)}:</strong> {esc(note.text)}</div>'


def _call_note(item: CallNote) -> str:
    lead = note_label(item.note)
    if item.missing_turn is not None:
        lead += f" on turn {item.missing_turn} (not in this copy)"
    return _note(lead, item.note)


def _caller_cell(view: TurnView) -> str:
    turn = view.turn
    parts: list[str] = []
    dtmf = spaced_dtmf(clean_line(turn.dtmf)) if turn.dtmf else ""
    if turn.user_text.strip():
        parts.append(esc(turn.user_text))
        if dtmf:
            parts.append(f'<div class="dtmf">DTMF {esc(dtmf)}</div>')
    elif dtmf:
        parts.append(f"DTMF {esc(dtmf)}")
    elif turn.silent:
        parts.append('<span class="silence">(silence)</span>')
    corrected = turn.asr_corrected
    if corrected:
        parts.append(f'<div class="asr"><b>ASR-corrected</b> {esc(corrected)}</div>')
    if turn.translated_user_input:
        parts.append(f'<div class="translation">{esc(turn.translated_user_input)}</div>')
    return "".join(parts)


def _agent_cell(view: TurnView) -> str:
    turn = view.turn
    if turn.agent_text.strip():
        body = esc(turn.agent_text)
    else:
        body = '<span class="none">(no response)</span>'
    if turn.english_agent_response:
        body += f'<div class="translation">{esc(turn.english_agent_response)}</div>'
    return body


def _event_html(view: EventView, tag: str) -> str:
    """One function event: its head (with the failure marked), then one line per detail."""
    head = esc(clean_line(view.head))
    if view.failed:
        head += f' <span class="failed">FAILED:</span> {esc(clean_line(view.error))}'
    lead = "<b>function</b> " if tag == "div" else ""
    details = "".join(
        f'<div class="fn-detail"><b>{esc(label)}</b> {esc(clean_line(text))}</div>'
        for label, text in view.details
    )
    return f'<{tag} class="fn">{lead}{head}{details}</{tag}>'


def _metrics(out: list[str], c: Conversation) -> None:
    views, dump = metric_views(c)
    out.append("<section><h2>Metrics</h2>")
    if views:
        out.append('<table class="metrics"><thead><tr><th>Metric</th><th>Latest</th>')
        out.append("<th>At</th><th>History</th></tr></thead><tbody>")
        for view in views:
            history = ", ".join(esc(clean_line(h)) for h in view.history)
            out.append(
                f"<tr><th>{esc(clean_line(view.name))}</th><td>{esc(clean_line(view.latest))}</td>"
                f'<td class="at">{esc(clean_line(view.at))}</td><td>{history}</td></tr>'
            )
        out.append("</tbody></table>")
    if dump:
        if views:
            out.append("<p>As sent:</p>")
        out.append(f"<pre><code>{esc(pretty_json(c.metrics))}</code></pre>")
    out.append("</section>")


def _loose_events(out: list[str], c: Conversation) -> None:
    loose = c.loose_function_events
    if not loose:
        return
    out.append("<section><h2>Function events</h2><p>Tied to no turn of this transcript:</p>")
    out.append('<ul class="events">')
    for event in loose:
        view = event_view(event)
        lead = loose_event_lead(event)
        if lead:
            view = EventView(view.head + lead, view.failed, view.error, view.details)
        out.append(_event_html(view, "li"))
    out.append("</ul><p>As sent:</p>")
    out.append(f"<pre><code>{esc(pretty_json([e.raw for e in loose]))}</code></pre></section>")


def _details_cell(view: TurnView) -> str:
    turn = view.turn
    parts: list[str] = []
    if turn.intent_list:
        intents = ", ".join(esc(clean_line(i)) for i in turn.intent_list)
        parts.append(f"<div><b>intents</b> {intents}</div>")
    entities = entities_text(turn)
    if entities:
        parts.append(f"<div><b>entities</b> {esc(clean_line(entities))}</div>")
    alternatives = alternative_texts(turn)
    if alternatives:
        heard = " | ".join(esc(clean_line(a)) for a in alternatives)
        parts.append(f"<div><b>heard as</b> {heard}</div>")
    if turn.retrieved_topics:
        topics = ", ".join(esc(clean_line(t)) for t in turn.retrieved_topics)
        parts.append(f"<div><b>topics</b> {topics}</div>")
    for event in view.events:
        parts.append(_event_html(event_view(event, turn.agent_text), "div"))
    for review in review_texts(turn):
        parts.append(f'<div class="review"><b>Studio review</b> {esc(review)}</div>')
    if view.flags:
        parts.append("<div>" + "".join(f'<span class="flag">{esc(f)}</span>' for f in view.flags))
        parts[-1] += "</div>"
    return "".join(parts)


def _turn_rows(view: TurnView, ctx: ExportContext) -> str:
    turn = view.turn
    classes = ["turn"] + [f"flag-{flag.lower()}" for flag in view.flags]
    latency = format_latency(turn.latency)
    kind = latency_class(turn.latency, ctx)
    lat_cell = f'<span class="lat lat-{kind}">{esc(latency)}</span>' if latency and kind else ""
    row = (
        f'<tr id="turn-{view.number}" class="{" ".join(classes)}">'
        f'<td class="num">{view.number}</td><td class="time">{format_offset(view.offset)}</td>'
        f'<td class="text">{_caller_cell(view)}</td><td class="text">{_agent_cell(view)}</td>'
        f'<td>{lat_cell}</td><td class="details">{_details_cell(view)}</td></tr>'
    )
    if not view.notes:
        return row
    notes = "".join(_note(note_label(note), note) for note in view.notes)
    return f'{row}\n<tr class="notes"><td></td><td colspan="5">{notes}</td></tr>'


def render_html(conversation: Conversation, ctx: ExportContext | None = None) -> str:
    """The conversation as one self-contained HTML page."""
    ctx = ctx or DEFAULT_CONTEXT
    c = conversation
    title = f"Conversation {clean_line(c.conversation_id)}"
    out: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="color-scheme" content="light dark">',
        '<meta name="generator" content="polytui">',
        f"<title>{esc(title)} · polytui</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{esc(title)}</h1>",
    ]
    if c.live:
        out.append('<p class="live">In progress: this copy may be out of date.</p>')
    out.append('<table class="meta">')
    for label, value in metadata_rows(c, ctx):
        cell = _link_or_text(value) if label in ("Audio", "Studio") else esc(value)
        out.append(f"<tr><th>{esc(label)}</th><td>{cell}</td></tr>")
    out.append("</table>")

    summary = c.summary
    if summary and (summary.heading.strip() or summary.content.strip()):
        out.append("<section><h2>Summary</h2>")
        if summary.heading.strip():
            out.append(f'<h3 class="text">{esc(summary.heading.strip())}</h3>')
        if summary.content.strip():
            out.append(f'<p class="text">{esc(summary.content.strip())}</p>')
        out.append("</section>")

    turns = c.turn_list
    call_notes, by_turn = group_notes(ctx.notes, len(turns))
    if call_notes:
        out.append("<section><h2>Reviewer notes</h2>")
        out.extend(_call_note(item) for item in call_notes)
        out.append("</section>")

    out.append(f"<section><h2>Transcript ({len(turns)} turn{'' if len(turns) == 1 else 's'})</h2>")
    if turns:
        out.append('<table class="turns"><thead><tr><th>#</th><th>Time</th><th>Caller</th>')
        out.append("<th>Agent</th><th>Latency</th><th>Details</th></tr></thead><tbody>")
        out.extend(_turn_rows(view, ctx) for view in iter_turns(c, ctx, by_turn))
        out.append("</tbody></table>")
    else:
        out.append(
            '<p class="none">No turns: the transcript is empty, '
            "or transcripts are off for this project.</p>"
        )
    out.append("</section>")

    if has_value(c.metrics):
        _metrics(out, c)
    _loose_events(out, c)
    out.extend(["<footer>Exported by polytui.</footer>", "</main>", "</body>", "</html>"])
    return "\n".join(out) + "\n"
