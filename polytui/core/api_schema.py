"""The pydantic schema of the shapes polytui understands in a get-by-ID answer
(``ConversationDetailResponse``): the published spec's, and what the real API sends beyond it
(``shortSummary`` as an object, ``latency`` as ``{perceived_latency, ...}``, metric histories,
``functionEvents`` keyed by turn, turn ``metadata``...).

A description, not a gate: ``polytui.core.models`` opens any payload that has its three IDs and
reads each field tolerantly (``polytui.core.readings``). This schema names what is understood, so
``unread_fields`` can say which values polytui shows raw because their shape is new to it.
Loaded only on demand (pydantic costs about 70 ms at start).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

Number = int | float


class _ApiModel(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, strict=True)


class LatencySchema(_ApiModel):
    """The real API's per-turn latency (seconds)."""

    label: str | None = None
    perceived_latency: Number | None = None
    perceived_latency_percentile_1d: Number | None = None


class SummarySchema(_ApiModel):
    heading: str | None = None
    content: str | None = None


class MetricPointSchema(_ApiModel):
    timestamp: str | None = None
    value: Any = None


class HandoffSchema(_ApiModel):
    reason: str | None = None
    type: str | None = None


class StateChangesSchema(_ApiModel):
    added: Any = None
    removed: Any = None
    updated: Any = None


class FunctionEventSchema(_ApiModel):
    id: str | None = None
    name: str | None = None
    function_id: str | None = None
    function_version: Any = None
    arguments: Any = None
    content: Any = None
    duration: Number | None = None
    error: Any = None
    handoff: HandoffSchema | None = None
    hangup: bool | None = None
    logs: Any = None
    llm_request_id: str | None = None
    start_time: str | None = None
    state_changes: StateChangesSchema | None = None
    transition: Any = None
    turn_id: int | str | None = None
    utterance: str | None = None
    variant_id_change: Any = None
    conversation_id: str | None = None


class TopTranscriptSchema(_ApiModel):
    text: str | None = None
    intents: list[str | None] | None = None


class TurnMetadataSchema(_ApiModel):
    asr_corrected_user_input: str | None = None
    current_node: str | None = None
    entities: list[Any] | None = None
    function_events: list[FunctionEventSchema] | None = None
    retrieved_topics: list[str] | None = None
    safety: Any = None
    top_transcripts: list[TopTranscriptSchema] | None = None


class TurnSchema(_ApiModel):
    user_input: str | None = None
    user_input_dtmf: str | None = None
    user_input_datetime: str | None = None
    agent_response: str | None = None
    agent_response_datetime: str | None = None
    latency: Number | LatencySchema | None = None
    translated_user_input: str | None = None
    english_agent_response: str | None = None
    intents: list[str | None] | None = None
    entities: list[Any] | None = None
    is_ood: bool | None = None
    is_silence: bool | None = None
    turn_id: int | str | None = None
    barge_in: bool | None = None
    reviews: list[Any] | None = None
    llm_requests: list[Any] | None = None
    user_input_audio_url: str | None = None
    asr_lang_code: str | None = None
    tts_lang_code: str | None = None
    user_input_dtmf_finish_key: str | None = None
    metadata: TurnMetadataSchema | None = None


class ConversationSchema(_ApiModel):
    conversation_id: str = Field(alias="conversationId")
    account_id: str = Field(alias="accountId")
    project_id: str = Field(alias="projectId")
    created_at: str | None = Field(default=None, alias="createdAt")
    started_at: str | None = Field(default=None, alias="startedAt")
    finished_at: str | None = Field(default=None, alias="finishedAt")
    channel: str | None = None
    from_number: str | None = Field(default=None, alias="fromNumber")
    to_number: str | None = Field(default=None, alias="toNumber")
    language: str | None = None
    variant_id: str | None = Field(default=None, alias="variantId")
    client_env: str | None = Field(default=None, alias="clientEnv")
    total_duration: Number | None = Field(default=None, alias="totalDuration")
    polyai_duration: Number | None = Field(default=None, alias="polyaiDuration")
    duration: Number | None = None
    in_progress: bool | None = Field(default=None, alias="inProgress")
    handoff: bool | None = None
    handoff_destination: str | None = Field(default=None, alias="handoffDestination")
    handoff_reason: str | None = Field(default=None, alias="handoffReason")
    direction: str | None = None
    tags: list[str | None] | None = None
    poly_score: Number | None = Field(default=None, alias="polyScore")
    short_summary: str | SummarySchema | None = Field(default=None, alias="shortSummary")
    deployment_id: str | None = Field(default=None, alias="deploymentId")
    note: str | None = None
    audio_url: str | None = Field(default=None, alias="audioUrl")
    turns: list[TurnSchema | None] | None = None
    metrics: dict[str, list[MetricPointSchema] | Any] | None = None  # histories, or any value
    function_events: dict[str, list[FunctionEventSchema] | Any] | list[Any] | None = Field(
        default=None, alias="functionEvents"
    )


def unread_fields(data: dict[str, Any]) -> list[str]:
    """Where ``data`` has a value of a shape polytui does not know ("turns.3.latency"), in
    order, each once: those values are shown raw. Empty when every shape is understood."""
    try:
        ConversationSchema.model_validate(data)
    except ValidationError as exc:
        paths: list[str] = []
        for error in exc.errors():
            path = ".".join(str(part) for part in error["loc"] if not _is_type_tag(part))
            if path and not any(path == p or path.startswith(p + ".") for p in paths):
                paths.append(path)
        return paths
    except RecursionError:
        return ["(nested too deeply to check)"]
    return []


def _is_type_tag(part: object) -> bool:
    """Union members show up in pydantic's error locations ("latency.int"): leave them out."""
    return isinstance(part, str) and (
        part in {"int", "float", "str", "bool", "none", "list", "dict"}
        or part.startswith(("list[", "dict[", "function-", "LatencySchema", "SummarySchema"))
        or part.endswith("Schema")
    )
