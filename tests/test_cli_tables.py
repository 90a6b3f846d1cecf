"""`posefoundry tables`: stats, show, validate and preview on good tables and on broken copies."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from cli.main import app
from inspection.drawing import PALETTE, Tile
from inspection.tableread import clip_frames
from skeleton_factory import write_skeleton_tables

ROOT = Path(__file__).resolve().parents[1]
VIDEO_SUFFIXES = {"rwf2000": ".avi", "aihub_falldown": ".mp4"}
runner = CliRunner()


def run(*args):
    return runner.invoke(app, ["tables", *map(str, args)])


def run_json(*args):
    result = run(*args, "--json")
    return result.exit_code, json.loads(result.stdout), result.stderr


@pytest.fixture()
def folder(tmp_path):
    """train-000..003 and val-000..001; odd clips hold two persons (the second from frame 6)."""
    return write_skeleton_tables(tmp_path / "skeletons" / "toy", {"train": 4, "val": 2}, num_frames=24)


def rewrite(path, change):
    table = pq.read_table(path)
    pq.write_table(change(table), path)


def test_stats(tmp_path):
    folder = write_skeleton_tables(tmp_path / "toy", {"train": 4, "val": 2}, num_frames=24, failed=1)
    code, data, _ = run_json("stats", folder)
    assert code == 0
    (stats,) = data["datasets"]
    clips, frames = stats["clips"], stats["frames"]
    assert (clips["clips"], clips["ok"], clips["failed"]) == (6, 5, 1)
    assert {(r["split"], r["label_name"]): r["count"] for r in clips["per_split_label"]} == {
        ("train", "Calm"): 1, ("train", "Waving"): 2, ("val", "Calm"): 1, ("val", "Waving"): 1}
    assert clips["failure_reasons"] == {"cannot decode": 1}
    assert clips["failed_clips"] == [{"clip_id": "train-000", "path": "train/Calm/train-000.avi", "error": "cannot decode"}]
    # two one-person clips (24 frames), three two-person clips (6 frames alone, 18 together)
    assert frames["persons_per_frame"] == {"0": 0, "1": 2 * 24 + 3 * 6, "2": 3 * 18}
    assert frames["tracks"] == 8
    assert frames["track_coverage_of_span"]["min"] == 1.0
    assert frames["track_share_of_clip"]["min"] == pytest.approx(18 / 24)
    assert frames["clip_coverage"]["min"] == 1.0
    human = run("stats", folder)
    assert human.exit_code == 0
    assert "cannot decode" in human.stderr and "train-000" in human.stderr and "Waving (1)" in human.stderr


def test_stats_counts_frames_without_skeletons(folder):
    rewrite(folder / "frames.parquet", lambda t: t.filter(pc.invert(pc.and_(
        pc.equal(t["clip_id"], "train-002"), pc.greater_equal(t["frame_idx"], 20)))))
    code, data, _ = run_json("stats", folder)
    frames = data["datasets"][0]["frames"]
    assert frames["persons_per_frame"]["0"] == 4
    assert frames["clip_coverage"]["min"] == pytest.approx(20 / 24)


def test_show(folder):
    code, data, _ = run_json("show", folder, "train-001", "--rows", "2")
    assert code == 0
    assert data["clip"]["label_name"] == "Waving" and data["clip"]["num_frames"] == 24
    assert [(t["track_id"], t["first"], t["last"], t["frames"]) for t in data["tracks"]] == [(0, 0, 23, 24), (1, 6, 23, 18)]
    assert data["persons_per_frame"] == {"0": 0, "1": 6, "2": 18}
    assert [s["sample_id"] for s in data["samples"]] == ["train-001"]
    assert len(data["frame_rows"]) == 2 and np.asarray(data["frame_rows"][0]["keypoints"]).shape == (17, 2)
    human = run("show", folder, "train-001")
    assert human.exit_code == 0 and "Waving" in human.stderr and "tracks" in human.stderr


def test_show_unknown_clip_suggests(folder):
    result = run("show", folder, "train-01")
    assert result.exit_code == 1
    assert "no clip 'train-01'" in result.stderr and "train-001" in result.stderr


def test_validate_good(folder):
    write_skeleton_tables(folder / "parts" / "train-000", {"train": 1})  # a build's per-clip part, not a dataset
    code, data, _ = run_json("validate", folder.parent)
    assert code == 0 and data["datasets"] == [{"folder": str(folder), "problems": []}]


@pytest.mark.parametrize("table,change,message", [
    ("frames", lambda t: t.take(pa.array(np.arange(t.num_rows)[::-1])), "rows are not sorted by clip_id, frame_idx, track_id"),
    ("frames", lambda t: t.set_column(t.schema.get_field_index("frame_idx"), "frame_idx",
                                      pc.add(t["frame_idx"], pa.scalar(1, pa.int32()))),
     "row(s) with frame_idx past the clip's num_frames, first clip train-000 frame 24 of 24"),
    ("frames", lambda t: t.set_column(t.schema.get_field_index("bbox_score"), "bbox_score", pa.array(np.full(t.num_rows, 0.9))),
     "column 'bbox_score': has type double, expected float"),
    ("samples", lambda t: t.set_column(t.schema.get_field_index("split"), "split", pa.array(["val"] * t.num_rows)),
     "4 sample(s) in another split than their clip: train-000, train-001, train-002, train-003"),
    ("clips", lambda t: t.replace_schema_metadata({b"posefoundry.schema_version": b"2.0"}),
     "written with schema version 2.0"),
])
def test_validate_names_the_broken_table(folder, table, change, message):
    rewrite(folder / f"{table}.parquet", change)
    code, data, _ = run_json("validate", folder)
    assert code == 1
    problems = data["datasets"][0]["problems"]
    assert any(p.startswith(str(folder / f"{table}.parquet")) and message in p for p in problems), problems


def test_validate_reports_a_source_in_two_splits(folder):
    """Leakage: the same raw video (sha256), or AI Hub's same scene filmed by another camera, in two splits."""
    def leak(table):
        rows = table.to_pylist()
        by_id = {r["clip_id"]: r for r in rows}
        by_id["val-000"]["sha256"] = by_id["train-001"]["sha256"]
        by_id["train-002"]["path"] = "swoon/101-3_cam01_swoon01_place03_day_summer.mp4"
        by_id["val-001"]["path"] = "swoon/101-3_cam02_swoon01_place03_day_summer.mp4"
        by_id["train-003"]["path"] = "swoon/102-4_cam01_swoon01_place03_day_summer.mp4"  # another scene: no leak
        return pa.Table.from_pylist(rows, schema=table.schema)

    rewrite(folder / "clips.parquet", leak)
    code, data, _ = run_json("validate", folder)
    assert code == 1
    sha = pq.read_table(folder / "clips.parquet").to_pylist()[1]["sha256"]
    assert data["datasets"][0]["problems"] == [
        f"{folder}/clips.parquet: the same raw file (sha256 {sha[:16]}...) in splits train and val: "
        "train/Waving/train-001.avi (train), val/Calm/val-000.avi (val)",
        f"{folder}/clips.parquet: the same scene 101-3_swoon01_place03_day_summer (filmed by another camera) in splits "
        "train and val: swoon/101-3_cam01_swoon01_place03_day_summer.mp4 (train), swoon/101-3_cam02_swoon01_place03_day_summer.mp4 (val)",
    ]
    human = run("validate", folder)
    assert human.exit_code == 1 and "in splits train and val" in human.stderr


def test_missing_and_corrupt_tables(folder):
    (folder / "samples.parquet").unlink()
    data = (folder / "frames.parquet").read_bytes()
    (folder / "frames.parquet").write_bytes(data[: len(data) // 2])
    code, report, _ = run_json("validate", folder)
    assert code == 1
    problems = report["datasets"][0]["problems"]
    assert f"{folder}/samples.parquet: missing" in problems
    assert any(p.startswith(f"{folder}/frames.parquet: unreadable") for p in problems)
    result = run("stats", folder)
    assert result.exit_code == 1 and f"{folder}/frames.parquet: unreadable" in result.stderr


def test_preview_grid_on_grey(folder, tmp_path):
    out = tmp_path / "grid.png"
    code, data, _ = run_json("preview", folder, "train-001", "--out", out, "--frames", "6", "--columns", "3")
    assert code == 0 and not data["raw_video"]
    assert data["frames"] == [0, 5, 9, 14, 18, 23]
    image = cv2.imread(str(out))
    assert image.shape[:2] == (data["height"], data["width"])
    assert [(t["x"], t["y"]) for t in data["tiles"][:4]] == [(0, 0), (324, 0), (648, 0), (0, data["tiles"][3]["y"])]


def test_preview_over_the_raw_video(folder, tmp_path):
    raw = tmp_path / "raw"
    video = raw / "train" / "Waving" / "train-001.avi"
    video.parent.mkdir(parents=True)
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 30, (320, 240))
    for i in range(24):
        writer.write(np.full((240, 320, 3), (10 * i, 200, 60), np.uint8))
    writer.release()
    out = tmp_path / "over.png"
    code, data, _ = run_json("preview", folder, "train-001", "--out", out, "--raw-root", raw, "--frame", "12", "--tile-width", "320")
    assert code == 0 and data["raw_video"] and data["frames"] == [12]
    image = cv2.imread(str(out)).astype(int)
    assert np.abs(image[3, 3] - [120, 200, 60]).max() <= 6
    result = run("preview", folder, "train-003", "--out", tmp_path / "grey.png", "--raw-root", raw)
    assert result.exit_code == 0
    assert "train-003.avi: no such file; drawn on grey" in result.stderr
    broken = raw / "val" / "Waving" / "val-001.avi"
    broken.parent.mkdir(parents=True)
    broken.write_bytes(video.read_bytes()[:300])
    result = run("preview", folder, "val-001", "--out", tmp_path / "broken.png", "--raw-root", raw)
    assert result.exit_code == 0 and (tmp_path / "broken.png").is_file()
    assert f"{broken}: not a readable video" in result.stderr and "drawn on grey" in result.stderr


@pytest.mark.parametrize("args,message", [
    (["stats", "{tmp}/nothing"], "no such folder"),
    (["stats", "{tmp}"], "no skeleton tables"),
    (["preview", "{folder}", "train-001", "--out", "{tmp}/x.gif"], "unsupported image type"),
    (["preview", "{folder}", "train-001", "--out", "{tmp}/x.png", "--raw-root", "{tmp}/nope"], "no such folder"),
])
def test_usage_errors_exit_2(folder, tmp_path, args, message):
    empty = tmp_path / "empty"
    empty.mkdir()
    args = [a.format(tmp=empty, folder=folder) for a in args]
    result = run(*args)
    assert result.exit_code == 2 and message in result.stderr
    result = run(*args, "--json")
    assert result.exit_code == 2 and message in json.loads(result.stdout)["error"]



@pytest.fixture(scope="module")
def built(synthetic_sample, prefect_harness, tmp_path_factory):
    """rwf2000 and aihub_falldown built from the sample by the real flow, with their reports."""
    from flows.build import run_build

    out = tmp_path_factory.mktemp("skeletons")
    reports = {name: run_build(name, out / name, root=synthetic_sample / name, datasets_dir=ROOT / "datasets")
               for name in VIDEO_SUFFIXES}
    return out, reports, synthetic_sample


@pytest.mark.slow
def test_built_tables_stats_and_validate(built):
    out, reports, sample = built
    code, data, _ = run_json("validate", out)
    assert code == 0, data
    code, data, _ = run_json("stats", out)
    assert code == 0
    for stats in data["datasets"]:
        name = Path(stats["folder"]).name
        videos = sorted((sample / name).rglob(f"*{VIDEO_SUFFIXES[name]}"))
        assert stats["clips"]["clips"] == len(videos) == reports[name].items
        assert stats["clips"]["failed"] == reports[name].failed
        assert sum(r["count"] for r in stats["clips"]["per_split_label"]) == stats["clips"]["ok"]
        assert stats["frames"]["rows"] > 0 and stats["samples"]["samples"] > 0
        assert all(clip["error"] for clip in stats["clips"]["failed_clips"])


@pytest.mark.slow
def test_built_tables_show_and_preview_over_the_video(built, tmp_path):
    out, _, sample = built
    folder = out / "rwf2000"
    frames = pq.read_table(folder / "frames.parquet", columns=["clip_id"])
    clip_id = frames.column("clip_id")[0].as_py()
    code, data, _ = run_json("show", folder, clip_id)
    assert code == 0 and data["clip"]["status"] == "ok" and data["tracks"]
    png = tmp_path / "over.png"
    code, data, _ = run_json("preview", folder, clip_id, "--out", png, "--raw-root", sample / "rwf2000",
                             "--frames", "4", "--tile-width", str(data["clip"]["width"]))
    assert code == 0 and data["raw_video"] and not data["notes"]
    image = cv2.imread(str(png)).astype(int)
    rows = clip_frames(folder, clip_id)

    def shows(x, y, color):
        patch = image[int(round(y)) - 1:int(round(y)) + 2, int(round(x)) - 1:int(round(x)) + 2].reshape(-1, 3)
        return bool((np.abs(patch - color) <= 24).all(axis=1).any())

    for placed, frame in zip(data["tiles"], data["frames"]):
        tile = Tile(**placed)
        here = [PALETTE[t % len(PALETTE)] for t in rows.track_id[rows.at(frame)]]
        for row in rows.at(frame):
            points = tile.to_picture(rows.keypoints[row][rows.keypoint_scores[row] >= 0.3])
            own = [shows(x, y, PALETTE[rows.track_id[row] % len(PALETTE)]) for x, y in points]
            assert all(any(shows(x, y, c) for c in here) for x, y in points), (frame, row)
            assert sum(own) >= 0.7 * len(own), (frame, row)  # fighters overlap: the later one may cover a joint


@pytest.mark.slow
def test_built_tables_manifest_verify_and_a_flipped_byte(built, tmp_path):
    """The writer's manifest.json: every file's bytes, sha256 and rows, the same bytes on a rebuild;
    `verify` and `validate` name a file whose bytes changed."""
    from flows.build import run_build

    out, _, sample = built
    for name in VIDEO_SUFFIXES:
        folder = out / name
        manifest = json.loads((folder / "manifest.json").read_text())
        assert (manifest["dataset"], manifest["kind"]) == (name, "skeleton_tables")
        files = {f["name"]: f for f in manifest["files"]}
        assert set(files) == {"clips.parquet", "frames.parquet", "samples.parquet", "mmaction.pkl"}
        for table in ("clips", "frames", "samples"):
            assert files[f"{table}.parquet"]["rows"] == pq.read_metadata(folder / f"{table}.parquet").num_rows
        assert files["mmaction.pkl"]["rows"] is None and str(out) not in (folder / "manifest.json").read_text()
    text = (out / "rwf2000" / "manifest.json").read_bytes()
    run_build("rwf2000", out / "rwf2000", root=sample / "rwf2000", datasets_dir=ROOT / "datasets")
    assert (out / "rwf2000" / "manifest.json").read_bytes() == text  # deterministic: same inputs, same bytes
    code, data, _ = run_json("verify", out)
    assert code == 0 and [d["ok"] for d in data["datasets"]] == [True, True], data

    folder = tmp_path / "rwf2000"
    shutil.copytree(out / "rwf2000", folder)
    clips = folder / "clips.parquet"
    damaged = bytearray(clips.read_bytes())
    damaged[len(damaged) // 2] ^= 0x01  # one flipped bit, same size
    clips.write_bytes(bytes(damaged))
    code, data, _ = run_json("verify", folder)
    assert code == 1
    (problem,) = data["datasets"][0]["problems"]
    assert problem.startswith(f"{clips}: sha256 ") and "does not match the manifest's" in problem
    code, data, _ = run_json("validate", folder)
    assert code == 1 and problem in data["datasets"][0]["problems"]
    human = run("verify", folder)
    assert human.exit_code == 1 and "clips.parquet" in human.stderr
    (folder / "manifest.json").unlink()
    result = run("verify", folder)
    assert result.exit_code == 1 and "no manifest to verify against" in result.stderr
