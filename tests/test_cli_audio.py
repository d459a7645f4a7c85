"""`polytui audio ID` against the loopback server: a valid WAV, offline once fetched, and every
failure a sentence with its exit code that leaves no file and never replaces a good one."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from polytui.adapters.files import RecordingFolder
from polytui.core.errors import EXIT_API, EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE
from polytui.core.ports import RecordingKey
from polytui.demo import DemoServer
from polytui.demo._scripts import BOOKING_ID, CHAT_ID

from .helpers import SECRET_KEY, run_cli

AGENT = "PROJECT-demo"


@pytest.fixture
def folder(hermetic_env):
    return RecordingFolder(hermetic_env["data"] / "recordings")


def every_file(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_audio_writes_a_valid_wav(capsys, api_env, tmp_path, folder):
    out_file = tmp_path / "x.wav"
    code, out, err = run_cli(capsys, "audio", BOOKING_ID, "-o", str(out_file))
    assert code == EXIT_OK, err
    with wave.open(str(out_file)) as reader:
        assert reader.getframerate() == 8000 and reader.getnframes() > 8000 * 60
        seconds = reader.getnframes() / reader.getframerate()
    assert out.startswith(f"Saved the recording of {BOOKING_ID} to {out_file} (")
    assert "1.8 MB" in out and "1m 52s" in out
    kept = folder.get(RecordingKey(AGENT, BOOKING_ID))
    assert kept is not None and kept.path.read_bytes() == out_file.read_bytes()
    assert seconds == pytest.approx(112.45, abs=0.01)


def test_without_o_the_file_is_named_after_the_call_here(capsys, api_env, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(capsys, "audio", BOOKING_ID, "--direction", "user", "--redacted")
    assert code == EXIT_OK, err
    assert (tmp_path / f"{BOOKING_ID}-user-redacted.wav").is_file()


def test_json_has_polyais_keys_then_polytuis(capsys, api_env, tmp_path):
    out_file = tmp_path / "a.wav"
    code, out, _ = run_cli(
        capsys, "audio", BOOKING_ID, "--direction", "agent", "-o", str(out_file), "--json"
    )
    data = json.loads(out)
    assert code == EXIT_OK
    assert list(data)[:6] == [
        "success",
        "conversation_id",
        "direction",
        "redacted",
        "output_path",
        "size_bytes",
    ]
    assert data["success"] is True and data["direction"] == "agent" and data["redacted"] is False
    assert data["output_path"] == str(out_file) and data["size_bytes"] == out_file.stat().st_size
    assert data["duration_seconds"] == pytest.approx(112.45, abs=0.01)
    assert (data["sample_rate"], data["channels"], data["source"]) == (8000, 1, "api")
    code, out, _ = run_cli(
        capsys, "audio", BOOKING_ID, "--direction", "agent", "-o", str(out_file), "--json"
    )
    assert json.loads(out)["source"] == "cache"


def test_dash_writes_the_wav_to_standard_output(api_env, tmp_path):
    env = {**os.environ, **api_env}
    done = subprocess.run(
        [sys.executable, "-m", "polytui", "audio", BOOKING_ID, "-o", "-"],
        capture_output=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout[:4] == b"RIFF" and len(done.stdout) > 1_000_000


def test_a_404_exits_3_with_the_apis_words(capsys, api_env, tmp_path, folder):
    code, out, err = run_cli(capsys, "audio", CHAT_ID, "-o", str(tmp_path / "x.wav"))
    assert code == EXIT_NOT_FOUND and out == ""
    assert err.startswith(f"polytui: The recording of conversation {CHAT_ID} was not found on ")
    assert "Recording not found for the given conversation" in err
    assert "correlation id" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.wav").exists() and every_file(folder.root) == []
    assert not folder.root.exists() or list(folder.root.iterdir()) == []


def test_the_no_recording_fault_too(capsys, api_env, server, tmp_path):
    server.set_fault("no_recording")
    code, _, err = run_cli(capsys, "audio", BOOKING_ID, "-o", str(tmp_path / "x.wav"))
    assert code == EXIT_NOT_FOUND and "Recording not found for the given conversation" in err


@pytest.mark.parametrize(
    ("fault", "options", "words"),
    [
        ("truncated", {}, "broke before the answer was complete; gave up after 4 attempts"),
        ("reset", {}, "gave up after 4 attempts"),
        ("not_wav", {}, "not a whole WAV recording: it is not a WAV recording"),
        ("not_wav", {"body": "html"}, "not a whole WAV recording: it is an HTML page"),
        ("short_wav", {}, "bytes before its header says it does; nothing was saved"),
    ],
)
def test_a_bad_answer_exits_5_and_leaves_no_file(
    capsys, api_env, server, fast_retries, tmp_path, folder, fault, options, words
):
    server.set_fault(fault, **options)
    out_file = tmp_path / "x.wav"
    code, out, err = run_cli(capsys, "audio", BOOKING_ID, "-o", str(out_file))
    assert code == EXIT_API and out == ""
    assert words in err and err.count("\npolytui:") <= 4  # retries announced, then one sentence
    assert not out_file.exists() and every_file(folder.root) == []


def test_a_bad_answer_never_replaces_a_good_file(
    capsys, api_env, server, fast_retries, tmp_path, folder
):
    out_file = tmp_path / "x.wav"
    assert run_cli(capsys, "audio", BOOKING_ID, "-o", str(out_file))[0] == EXIT_OK
    kept = folder.get(RecordingKey(AGENT, BOOKING_ID))
    assert kept is not None
    good = kept.path.read_bytes()
    for fault in ("truncated", "short_wav", "not_wav"):
        server.set_fault(fault)
        code, _, _ = run_cli(capsys, "--refresh", "audio", BOOKING_ID, "-o", str(out_file))
        assert code == EXIT_API
        assert kept.path.read_bytes() == good and out_file.read_bytes() == good
        assert every_file(folder.root) == [kept.path]  # no partial download left beside it


def test_a_recording_dripped_past_the_deadline_exits_5(capsys, api_env, server, tmp_path, folder):
    server.set_fault("drip", seconds_per_chunk=0.05, chunk=64)
    code, _, err = run_cli(
        capsys, "--timeout", "0.3", "audio", BOOKING_ID, "-o", str(tmp_path / "x.wav")
    )
    assert code == EXIT_API and "did not send a complete answer" in err
    assert every_file(folder.root) == []


def test_a_recording_coming_steadily_is_not_cut_off_by_the_deadline(
    capsys, api_env, server, tmp_path
):
    # 1.8 MB in 64 KiB pieces 0.03 s apart: ~2 s in all, longer than twice the timeout (0.8 s),
    # but never slower than the rate that keeps the deadline moving.
    server.set_fault("drip", seconds_per_chunk=0.03, chunk=64 * 1024)
    code, _, err = run_cli(
        capsys, "--timeout", "0.4", "audio", BOOKING_ID, "-o", str(tmp_path / "x.wav")
    )
    assert code == EXIT_OK, err


async def test_a_recording_over_its_cap_is_refused(server, tmp_path):
    from polytui.adapters.http.client import ApiClient
    from polytui.core.config import Settings
    from polytui.core.errors import BadPayloadError

    settings = Settings(api_key=SECRET_KEY, agent=AGENT, base_url_override=server.url)
    target = tmp_path / "r" / "x.wav"
    async with ApiClient(settings, max_audio_bytes=100_000) as client:
        with pytest.raises(BadPayloadError, match="larger than 100000 bytes"):
            await client.fetch_recording(RecordingKey(AGENT, BOOKING_ID), target)
    assert every_file(tmp_path / "r") == []


def test_a_redirect_to_another_host_is_refused_and_gets_no_key(capsys, api_env, server, tmp_path):
    with DemoServer([], api_key=None) as other:
        server.set_fault("redirect", location=f"{other.url}/elsewhere.wav")
        code, _, err = run_cli(capsys, "audio", BOOKING_ID, "-o", str(tmp_path / "x.wav"))
        assert code == EXIT_API and "does not follow redirects to other hosts" in err
        assert other.requests == []


def test_the_key_is_in_no_file_name_and_no_message(capsys, api_env, server, tmp_path, folder):
    code, out, err = run_cli(capsys, "--debug", "audio", BOOKING_ID, "-o", str(tmp_path / "x.wav"))
    assert code == EXIT_OK
    server.set_fault("not_found", message=f"No recording for the key {SECRET_KEY}.")
    code2, out2, err2 = run_cli(capsys, "--debug", "audio", CHAT_ID)
    assert code2 == EXIT_NOT_FOUND and "No recording for the key ***" in err2
    for text in (out, err, out2, err2, *map(str, every_file(folder.root))):
        assert SECRET_KEY not in text


def test_files_are_private_whatever_the_umask(capsys, api_env, tmp_path, folder):
    old = os.umask(0)
    try:
        code, _, err = run_cli(capsys, "audio", BOOKING_ID, "-o", str(tmp_path / "x.wav"))
    finally:
        os.umask(old)
    assert code == EXIT_OK, err
    kept = every_file(folder.root)
    assert len(kept) == 1
    for path in (tmp_path / "x.wav", kept[0]):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for directory in (kept[0].parent, folder.root):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700


def test_a_fetched_recording_is_there_offline(capsys, api_env, server, tmp_path):
    assert run_cli(capsys, "audio", BOOKING_ID, "-o", str(tmp_path / "a.wav"))[0] == EXIT_OK
    server.stop()  # no API at all now
    code, out, err = run_cli(
        capsys, "--offline", "audio", BOOKING_ID, "-o", str(tmp_path / "b.wav")
    )
    assert code == EXIT_OK, err
    assert "kept from before" in out
    assert (tmp_path / "b.wav").read_bytes() == (tmp_path / "a.wav").read_bytes()
    code, out, err = run_cli(capsys, "audio", BOOKING_ID, "-o", str(tmp_path / "c.wav"))
    assert code == EXIT_OK, err  # kept: not asked of the API again
    code, _, err = run_cli(capsys, "--offline", "audio", BOOKING_ID, "--direction", "user")
    assert code == EXIT_NOT_FOUND
    assert "caller's recording of conversation" in err and "--offline" in err


def test_the_agent_of_a_stored_call_is_used(capsys, api_env, monkeypatch, tmp_path):
    assert run_cli(capsys, "fetch", BOOKING_ID)[0] == EXIT_OK
    monkeypatch.delenv("POLYAI_AGENT_ID")
    code, _, err = run_cli(capsys, "audio", BOOKING_ID, "-o", str(tmp_path / "x.wav"))
    assert code == EXIT_OK, err
    code, _, err = run_cli(capsys, "audio", "CA" + "1" * 32)
    assert code == EXIT_USAGE and "say which agent it belongs to" in err


def test_output_rules_are_checked_before_fetching(capsys, api_env, server, tmp_path):
    code, _, err = run_cli(capsys, "audio", BOOKING_ID, "-o", str(tmp_path))
    assert code == EXIT_USAGE and "it is a folder" in err
    assert server.requests == []


def test_audio_loads_no_textual_and_no_sound_library(api_env, tmp_path):
    probe = (
        "import sys; from polytui.cli import main; "
        f"code = main(['audio', {BOOKING_ID!r}, '-o', {str(tmp_path / 'x.wav')!r}]); "
        "print('CODE', code, sorted({m.split('.')[0] for m in sys.modules} & "
        "{'textual', 'miniaudio', 'pydantic'}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={**os.environ, **api_env},
        timeout=60,
    )
    assert "CODE 0 []" in done.stdout, done.stderr


def test_play_where_no_device_exists_says_where_the_recording_is(
    capsys, api_env, monkeypatch, tmp_path, folder
):
    monkeypatch.setenv("POLYTUI_AUDIO_BACKEND", "none")
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, "audio", BOOKING_ID, "--play", "--turn", "3")
    kept = folder.get(RecordingKey(AGENT, BOOKING_ID))
    assert code == EXIT_OK and kept is not None
    assert err.strip() == f"polytui: no audio output device: saved to {kept.path} instead."
    assert f"to {kept.path} (" in out
    assert list(tmp_path.glob("*.wav")) == []  # --play without -o leaves no copy here


def test_play_a_turn_the_call_does_not_have(capsys, api_env, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, "audio", BOOKING_ID, "--play", "--turn", "30")
    assert code == EXIT_USAGE and "The call has 9 turn(s); there is no turn 30." in err
    assert out == "" and list(tmp_path.glob("*.wav")) == []


def test_play_on_the_null_device_until_stopped(api_env, tmp_path):
    """(SIGTERM: a test runner's workers may ignore SIGINT, and their children with them.)"""
    import signal

    env = {**os.environ, **api_env, "POLYTUI_AUDIO_BACKEND": "null"}
    process = subprocess.Popen(
        [sys.executable, "-m", "polytui", "audio", BOOKING_ID, "--play", "--turn", "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = process.stderr.readline()
        assert line.startswith("Playing from 00:20 of 01:52; Ctrl+C stops."), line
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 143 and "polytui: terminated." in err
