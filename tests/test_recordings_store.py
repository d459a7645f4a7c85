"""Recordings on disk: the WAV reader (what is a whole WAV, its length, its peaks), the folder
that keeps them (names, permissions, counting, removal) and `cache rm | prune | clear`."""

from __future__ import annotations

import os
import struct
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from polytui.adapters.files import RecordingFolder
from polytui.core.ports import Recording, RecordingCache, RecordingKey
from polytui.core.wav import NotWav, peaks, wav_info
from polytui.files import make_private_dir

from .helpers import run_cli
from .wavs import handmade, pcm16

AGENT = "PROJECT-demo"


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# -- the WAV reader -----------------------------------------------------------------------------


def test_a_wav_written_by_pythons_wave_module_reads_back(tmp_path):
    info = wav_info(write(tmp_path / "a.wav", pcm16([0.5, 0.5], rate=8000, channels=2)))
    assert (info.encoding, info.channels, info.sample_rate, info.bits) == ("pcm", 2, 8000, 16)
    assert info.frames == 8000 and info.duration == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "it is empty"),
        (b"<!doctype html><title>Login</title>", "HTML page"),
        (b'{"success": false}', "it is JSON"),
        (b"\x00\x01garbage garbage", "no RIFF/WAVE header"),
        (handmade(1, 16, b"\x00" * 100, data_size=1000), "ends 900 bytes before"),
        (handmade(2, 4, b"\x00" * 100), "encoding polytui does not read (format 2)"),
        (handmade(1, 12, b"\x00" * 100), "12-bit samples"),
        (b"RIFF\x04\x00\x00\x00WAVE", "no format chunk"),
    ],
)
def test_what_is_not_a_whole_wav_is_refused_with_its_reason(tmp_path, data, reason):
    with pytest.raises(NotWav) as caught:
        wav_info(write(tmp_path / "x.wav", data))
    assert reason in caught.value.reason


def test_a_wav_cut_short_is_refused(tmp_path):
    whole = pcm16([0.5] * 4)
    with pytest.raises(NotWav, match="bytes before its header says"):
        wav_info(write(tmp_path / "cut.wav", whole[: len(whole) // 2]))


def test_a_streamed_wav_with_no_length_in_its_header_runs_to_the_end(tmp_path):
    data = b"\x10\x00" * 800
    info = wav_info(write(tmp_path / "s.wav", handmade(1, 16, data, data_size=0xFFFFFFFF)))
    assert info.frames == 800


def test_chunks_before_the_sound_are_skipped(tmp_path):
    listing = b"LIST" + struct.pack("<I", 5) + b"INFOx" + b"\x00"  # odd length: a pad byte
    info = wav_info(
        write(tmp_path / "l.wav", handmade(1, 16, b"\x00\x00" * 10, extra_chunk=listing))
    )
    assert info.frames == 10


def test_peaks_follow_the_loudness_of_each_stretch(tmp_path):
    path = write(tmp_path / "p.wav", pcm16([0.0, 1.0, 0.25, 0.0], seconds_each=0.5))
    got = peaks(path, 4)
    assert got[0] == 0.0 and got[3] == 0.0
    assert got[1] > 0.95 and 0.2 < got[2] < 0.3


def test_peaks_of_telephone_codecs(tmp_path):
    silence_mulaw, loud_mulaw = b"\xff", b"\x80"  # mu-law: 0xFF is silence, 0x80 the loudest
    data = silence_mulaw * 800 + loud_mulaw * 800
    got = peaks(write(tmp_path / "u.wav", handmade(7, 8, data)), 2)
    assert got[0] == 0.0 and got[1] > 0.95
    silence_alaw, loud_alaw = b"\xd5", b"\xaa"
    got = peaks(write(tmp_path / "a.wav", handmade(6, 8, silence_alaw * 80 + loud_alaw * 80)), 2)
    assert got[0] < 0.01 and got[1] > 0.95


def test_peaks_of_more_buckets_than_frames_repeat_rather_than_fail(tmp_path):
    path = write(tmp_path / "tiny.wav", handmade(1, 16, struct.pack("<3h", 0, 16384, 0)))
    assert len(peaks(path, 10)) == 10


# -- the folder ---------------------------------------------------------------------------------


def keep(folder: RecordingFolder, key: RecordingKey, data: bytes | None = None) -> Path:
    path = folder.path_for(key)
    make_private_dir(path.parent)
    path.write_bytes(data if data is not None else pcm16([0.5]))
    os.chmod(path, 0o600)
    return path


def test_the_folder_plays_the_recording_cache_role(tmp_path):
    assert isinstance(RecordingFolder(tmp_path / "r"), RecordingCache)


def test_a_kept_recording_is_found_by_its_key_and_only_by_it(tmp_path):
    folder = RecordingFolder(tmp_path / "recordings")
    key = RecordingKey(AGENT, "CA1", "combined", False)
    assert folder.get(key) is None
    path = keep(folder, key)
    found = folder.get(key)
    assert isinstance(found, Recording) and found.path == path and found.size == path.stat().st_size
    for other in (
        RecordingKey(AGENT, "CA1", "user", False),
        RecordingKey(AGENT, "CA1", "combined", True),
        RecordingKey("PROJECT-other", "CA1", "combined", False),
        RecordingKey(AGENT, "CA2", "combined", False),
    ):
        assert folder.get(other) is None


def test_a_damaged_recording_is_not_offered(tmp_path):
    folder = RecordingFolder(tmp_path / "recordings")
    key = RecordingKey(AGENT, "CA1")
    keep(folder, key, b"<html>not a recording</html>")
    assert folder.get(key) is None


@pytest.mark.parametrize(
    "cid",
    ["../../etc/passwd", "a/b", "..", "CA" + "x" * 10_000, "caf\u00e9 \u202e?#", "\x00\x1b[2J"],
)
def test_any_id_makes_a_short_name_inside_the_folder(tmp_path, cid):
    root = tmp_path / "recordings"
    path = RecordingFolder(root).path_for(RecordingKey(cid, cid, "agent", True))
    assert path.parent.parent == root
    assert all(len(part) <= 80 for part in path.relative_to(root).parts)
    assert path.name.endswith(".agent.redacted.wav")


def test_asking_where_a_recording_goes_makes_nothing(tmp_path):
    RecordingFolder(tmp_path / "recordings").path_for(RecordingKey(AGENT, "CA1"))
    assert not (tmp_path / "recordings").exists()


def test_count_delete_prune_and_clear(tmp_path):
    folder = RecordingFolder(tmp_path / "recordings")
    old = datetime.now(UTC) - timedelta(days=40)
    keys = [
        RecordingKey(AGENT, "CA1", "combined"),
        RecordingKey(AGENT, "CA1", "user"),
        RecordingKey("PROJECT-other", "CA1", "combined"),
        RecordingKey(AGENT, "CA2", "combined", True),
    ]
    paths = [keep(folder, key) for key in keys]
    os.utime(paths[3], (old.timestamp(), old.timestamp()))
    partial = paths[0].with_name("." + paths[0].name + ".x1y2.part")
    partial.write_bytes(b"RIFF")
    assert folder.count() == 4  # the download left half-way is not a recording
    assert folder.count(conversation_ids=["CA1"]) == 3
    cutoff = datetime.now(UTC) - timedelta(days=30)
    assert folder.count(older_than=cutoff) == 1
    assert folder.delete(["CA1"], agent=AGENT) == 2
    assert folder.get(keys[2]) is not None and not partial.exists()
    assert folder.prune(cutoff) == 1 and folder.get(keys[3]) is None
    assert folder.delete(["CA404"]) == 0
    assert folder.clear() == 1 and folder.count() == 0
    assert folder.clear() == 0


# -- cache rm | prune | clear -------------------------------------------------------------------


@pytest.fixture
def stored(capsys, api_env, hermetic_env):
    """Two calls stored, and recordings of one of them kept."""
    from polytui.demo._scripts import BANK_ID, BOOKING_ID

    code, _, err = run_cli(capsys, "fetch", BOOKING_ID, BANK_ID)
    assert code == 0, err
    folder = RecordingFolder(hermetic_env["data"] / "recordings")
    keep(folder, RecordingKey(AGENT, BOOKING_ID, "combined"))
    keep(folder, RecordingKey(AGENT, BOOKING_ID, "user"))
    return folder, BOOKING_ID, BANK_ID


def test_cache_rm_removes_and_counts_a_calls_recordings(capsys, stored):
    folder, booking, bank = stored
    code, out, _ = run_cli(capsys, "cache", "rm", booking)
    assert code == 0 and out.strip() == (
        "Removed 1 conversation(s) and 2 recording(s); their notes are kept."
    )
    assert folder.count() == 0
    code, out, _ = run_cli(capsys, "cache", "rm", bank)
    assert code == 0 and out.strip() == "Removed 1 conversation(s); their notes are kept."


def test_cache_prune_counts_recordings_fetched_before_the_cutoff(capsys, stored):
    folder, booking, _ = stored
    old = (datetime.now(UTC) - timedelta(days=40)).timestamp()
    os.utime(folder.path_for(RecordingKey(AGENT, booking, "user")), (old, old))
    code, out, _ = run_cli(capsys, "cache", "prune", "--older-than", "30d", "--yes")
    assert code == 0 and out.startswith("Removed 0 conversation(s) and 1 recording(s) fetched")
    assert folder.count() == 1


def test_cache_clear_removes_every_recording(capsys, stored):
    folder, _, _ = stored
    code, out, _ = run_cli(capsys, "cache", "clear", "--yes")
    assert code == 0 and out.strip() == (
        "Removed 2 conversation(s) and 2 recording(s); notes are kept."
    )
    assert folder.count() == 0 and not folder.root.exists()


def test_cache_clear_without_yes_names_the_recordings_too(capsys, stored):
    code, _, err = run_cli(capsys, "cache", "clear")
    assert code == 2 and "Refusing to remove 2 conversation(s) and 2 recording(s)" in err
