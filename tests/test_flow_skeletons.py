"""flows/skeletons.py on Prefect: parallel per video, incremental, resumable, bad input isolated."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from flows.build import run_build
from flows.report import BuildFailed
from schemas.tables import folder_problems
from tasks.video.tables import PARTS_DIR
from video_factory import truncate

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT / "datasets"
TABLES = ("clips.parquet", "frames.parquet", "samples.parquet", "mmaction.pkl", "manifest.json")


def build(name: str, root: Path, out: Path, *overrides: str):
    return run_build(name, out, root=root, overrides=list(overrides), datasets_dir=DATASETS, runner="threads", workers=2)


def contents(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in TABLES}


@pytest.fixture
def rwf(synthetic_sample, tmp_path) -> Path:
    root = tmp_path / "rwf2000"
    shutil.copytree(synthetic_sample / "rwf2000", root)
    return root


@pytest.fixture
def aihub(synthetic_sample, tmp_path) -> Path:
    root = tmp_path / "aihub"
    shutil.copytree(synthetic_sample / "aihub_falldown", root)
    return root


@pytest.mark.slow
def test_rwf2000_builds_and_a_rebuild_processes_only_what_changed(prefect_harness, rwf, tmp_path):
    out = tmp_path / "out"
    first = build("rwf2000", rwf, out)
    assert (first.items, first.written, first.skipped, first.failed) == (64, 64, 0, 0)
    assert folder_problems(out) == []
    assert sorted(Path(p).name for p in first.outputs) == sorted(TABLES)
    clips = pq.read_table(out / "clips.parquet").to_pylist()
    assert {c["status"] for c in clips} == {"ok"} and {c["pose_backend"] for c in clips} == {"annotations"}
    assert all((c["num_frames"], c["width"], c["height"]) == (64, 320, 240) for c in clips)
    frames = pq.read_table(out / "frames.parquet", columns=["clip_id", "track_id"])
    per_clip = frames.group_by("clip_id").aggregate([("track_id", "count_distinct")]).to_pylist()
    assert len(per_clip) == 64 and all(1 <= r["track_id_count_distinct"] <= 2 for r in per_clip)
    fights = [c["clip_id"] for c in clips if c["label_name"] == "Fight"]
    assert all(r["track_id_count_distinct"] == 2 for r in per_clip if r["clip_id"] in fights)
    assert pq.read_table(out / "samples.parquet").num_rows == 64
    before = contents(out)

    second = build("rwf2000", rwf, out)
    assert (second.written, second.skipped, second.failed) == (0, 64, 0)
    assert contents(out) == before  # deterministic: nothing changed, the same bytes
    for video in rwf.rglob("*"):  # touched, not changed: no output byte may move (no mtimes in outputs)
        os.utime(video, ns=(time.time_ns(), time.time_ns()))
    touched = build("rwf2000", rwf, out)
    assert (touched.written, touched.skipped) == (0, 64) and contents(out) == before
    assert sorted(p.name for p in out.iterdir() if p.is_file() and p.suffix != ".json") == sorted(t for t in TABLES if not t.endswith(".json"))

    videos = sorted(rwf.rglob("*.avi"))
    shutil.copy(videos[1], videos[0])  # a changed video
    shutil.copy(videos[1].with_suffix(".pose.json"), videos[0].with_suffix(".pose.json"))
    new = videos[2].with_name("zzNEWvideo00_0.avi")  # a new one
    shutil.copy(videos[2], new)
    shutil.copy(videos[2].with_suffix(".pose.json"), new.with_suffix(".pose.json"))
    third = build("rwf2000", rwf, out)
    assert (third.items, third.written, third.skipped) == (65, 2, 63)
    assert len(list((out / PARTS_DIR).iterdir())) == 65  # the stale part of the changed video is gone
    assert folder_problems(out) == []


@pytest.mark.slow
def test_broken_videos_and_xml_fail_alone_with_their_reasons(prefect_harness, aihub, tmp_path):
    videos = sorted(aihub.rglob("*.mp4"))
    truncate(videos[0], videos[0])
    videos[1].write_bytes(b"")
    videos[2].write_bytes(os.urandom(20_000))
    videos[3].with_suffix(".xml").write_text("<annotation><header><fps>30</fps>")
    videos[4].with_suffix(".pose.json").write_text("{not json")
    out = tmp_path / "out"
    with pytest.raises(BuildFailed, match="train: 4 of 8 items failed"):  # above the spec's 20%
        build("aihub_falldown", aihub, out)
    report = build("aihub_falldown", aihub, out, "failure_threshold=0.6")
    assert (report.items, report.skipped, report.failed) == (12, 7, 5)
    reasons = {f.file: f.reason for f in report.failures}
    rel = [v.relative_to(aihub).as_posix() for v in videos]
    assert "not a readable video" in reasons[rel[0]]
    assert "empty file (0 bytes)" in reasons[rel[1]]
    assert "not a readable video" in reasons[rel[2]]
    assert "not well-formed XML" in reasons[rel[3].replace(".mp4", ".xml")]
    assert "not JSON" in reasons[rel[4]]
    assert set(reasons) == {*rel[:3], rel[3].replace(".mp4", ".xml"), rel[4]}  # every failure names its file
    assert folder_problems(out) == []
    clips = {c["path"]: c for c in pq.read_table(out / "clips.parquet").to_pylist()}
    assert len(clips) == 12
    assert [clips[p]["status"] for p in rel[:5]] == ["failed"] * 5
    assert all(clips[p]["status"] == "ok" for p in rel[5:])
    samples = pq.read_table(out / "samples.parquet").to_pylist()
    assert {s["clip_id"] for s in samples} == {clips[p]["clip_id"] for p in rel[5:]}
    assert {s["label_name"] for s in samples} == {"Normal", "Falldown"}
    again = build("aihub_falldown", aihub, out, "failure_threshold=0.6")  # the failures are remembered, not retried
    assert (again.written, again.skipped, again.failed) == (0, 7, 5)

    truncate(sorted(aihub.rglob("*.mp4"))[5], sorted(aihub.rglob("*.mp4"))[5], 0.6)
    later = build("aihub_falldown", aihub, out, "failure_threshold=0.6")  # a video truncated later fails on its own
    assert (later.written, later.failed) == (0, 6)


@pytest.mark.slow
def test_a_falldown_range_past_the_video_fails_its_video(prefect_harness, aihub, tmp_path):
    xml = next(p for p in sorted(aihub.rglob("*.xml")) if "<actionname>falldown" in p.read_text())
    text = xml.read_text()
    start = text.index("<actionname>falldown")
    end = text.index("<end>", start)
    xml.write_text(text[:end] + "<end>99999</end>" + text[text.index("</end>", end) + 6:])
    report = build("aihub_falldown", aihub, tmp_path / "out", "failure_threshold=0.5")
    (failure,) = report.failures
    assert failure.file == xml.relative_to(aihub).as_posix()
    assert "runs past the video's" in failure.reason and "99999" in failure.reason


@pytest.mark.slow
def test_truncated_avi_in_rwf2000_is_reported(prefect_harness, rwf, tmp_path):
    video = sorted(rwf.rglob("*.avi"))[3]
    truncate(video, video, 0.5)
    report = build("rwf2000", rwf, tmp_path / "out")
    (failure,) = report.failures
    assert failure.file == video.relative_to(rwf).as_posix()
    assert "truncated: the header declares 64 frames" in failure.reason
    assert report.written == 63 and folder_problems(tmp_path / "out") == []


@pytest.mark.slow
def test_a_build_killed_midway_resumes_to_the_same_tables(prefect_harness, rwf, tmp_path):
    """SIGKILL the CLI while parts are being written, run it again: the result equals a clean build."""
    from prefect.settings import get_current_settings

    env = {**os.environ, "PREFECT_API_URL": str(get_current_settings().api.url)}
    command = [sys.executable, "-m", "cli.main", "build", "rwf2000", "--root", str(rwf), "--workers", "2"]
    killed = tmp_path / "killed"
    process = subprocess.Popen([*command, "--out", str(killed)], cwd=ROOT, env=env, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parts = killed / PARTS_DIR
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and process.poll() is None:
        if parts.is_dir() and len([p for p in parts.iterdir() if not p.name.startswith(".")]) >= 5:
            break
        time.sleep(0.05)
    assert process.poll() is None, "the build finished before it could be killed"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert not (killed / "clips.parquet").exists()
    done = [p for p in parts.iterdir() if not p.name.startswith(".")]
    assert 5 <= len(done) < 64
    for part in done:  # no half-written part under its final name
        assert sorted(f.name for f in part.iterdir()) == ["clips.parquet", "frames.parquet", "samples.parquet"]

    resumed = subprocess.run([*command, "--out", str(killed)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=400)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    clean = tmp_path / "clean"
    assert subprocess.run([*command, "--out", str(clean)], cwd=ROOT, env=env, capture_output=True, timeout=400).returncode == 0
    assert contents(killed) == contents(clean)
    assert not [p for p in parts.iterdir() if p.name.startswith(".")]  # leftovers of the kill are gone
