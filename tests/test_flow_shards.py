"""The shard build flow on Prefect: shards that webdataset and wids read back as the sources,
incremental reruns, quarantined failures and the exit code, resuming after SIGKILL."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tarfile
import time
from pathlib import Path

import cv2
import pytest
import webdataset as wds
import wids
from typer.testing import CliRunner

from flows.build import run_build
from flows.report import BuildFailed
from schemas.manifest import MANIFEST_NAME, WIDS_INDEX_NAME, Manifest
from tasks.fingerprint import sha256_file

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT / "datasets"
SMALL_SHARDS = ["options.shards.max_samples=5"]


def build(raw: Path, out: Path, dataset: str = "coco", overrides: list[str] = SMALL_SHARDS, **kwargs):
    return run_build(dataset, out, root=raw, overrides=overrides, datasets_dir=DATASETS, **kwargs)


def tree(folder: Path) -> dict[str, bytes]:
    """Every output file (the item cache aside) and its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and ".cache" not in p.relative_to(folder).parts}


@pytest.fixture(scope="module")
def coco_copy(coco_raw, tmp_path_factory) -> Path:
    raw = tmp_path_factory.mktemp("coco") / "coco"
    shutil.copytree(coco_raw, raw)
    return raw


@pytest.fixture(scope="module")
def built(prefect_harness, coco_copy, tmp_path_factory):
    out = tmp_path_factory.mktemp("shards") / "coco"
    return out, build(coco_copy, out)


def test_manifest_describes_the_shards(built, coco_copy):
    out, report = built
    assert report.failed == 0 and report.items == report.written > 0
    for split in ("train", "val"):
        manifest = Manifest.read(out / split / MANIFEST_NAME)
        assert manifest.kind == "person_image" and manifest.dataset == "coco" and manifest.split == split
        assert [s.samples for s in manifest.shards][:-1] == [5] * (len(manifest.shards) - 1)
        for shard in manifest.shards:
            path = out / split / shard.name
            assert path.stat().st_size == shard.bytes and sha256_file(path) == shard.sha256
        annotated = json.loads((coco_copy / f"annotations/person_keypoints_{split}2017.json").read_text())
        with_people = {a["image_id"] for a in annotated["annotations"] if a["num_keypoints"] > 0}
        assert manifest.num_samples == len(with_people)
        index = json.loads((out / split / WIDS_INDEX_NAME).read_text())
        assert [(s["url"], s["nsamples"]) for s in index["shardlist"]] == [(s.name, s.samples) for s in manifest.shards]


def test_webdataset_and_wids_read_back_the_sources(built, coco_copy, tmp_path):
    out, _ = built
    split = out / "train"
    manifest = Manifest.read(split / MANIFEST_NAME)
    annotated = json.loads((coco_copy / "annotations/person_keypoints_train2017.json").read_text())
    files = {im["id"]: im["file_name"] for im in annotated["images"]}
    people = {}
    for ann in annotated["annotations"]:
        people.setdefault(ann["image_id"], []).append(ann)
    streamed = list(wds.WebDataset([str(split / s.name) for s in manifest.shards], shardshuffle=False))
    keys = [s["__key__"] for s in streamed]
    assert keys == sorted(keys) and len(keys) == manifest.num_samples
    for sample in streamed:
        meta = json.loads(sample["json"])
        assert sample["jpg"] == (coco_copy / "train2017" / files[meta["image_id"]]).read_bytes()
        assert [p["keypoints"] for p in meta["persons"]] == [
            [a["keypoints"][i:i + 3] for i in range(0, 51, 3)] for a in people[meta["image_id"]]]
    # wids opens the index in place (no copy into a cache) and gives random access
    shutil.copytree(split, tmp_path / "train", ignore=shutil.ignore_patterns(".*"))
    indexed = wids.ShardListDataset(str(tmp_path / "train" / WIDS_INDEX_NAME), localname=lambda url: url, transformations=[])
    assert len(indexed) == len(streamed)
    for position in (len(streamed) - 1, 0, 7):
        assert indexed[position]["__key__"] == streamed[position]["__key__"]
        assert indexed[position][".jpg"].getvalue() == streamed[position]["jpg"]


def test_rerun_writes_nothing(built, coco_copy):
    out, first = built
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and ".cache" not in p.parts}
    again = build(coco_copy, out)
    assert (again.items, again.written, again.skipped, again.failed) == (first.items, 0, first.items, 0)
    assert again.outputs == []
    assert {p: p.stat().st_mtime_ns for p in before} == before


def test_one_changed_image_rewrites_one_shard(prefect_harness, coco_raw, tmp_path):
    raw = tmp_path / "coco"
    shutil.copytree(coco_raw, raw)
    out = tmp_path / "out"
    build(raw, out)
    old = tree(out)
    image = sorted((raw / "train2017").glob("*.jpg"))[-1]
    picture = cv2.imread(str(image))
    cv2.rectangle(picture, (0, 0), (40, 40), (255, 255, 255), -1)
    image.write_bytes(cv2.imencode(".jpg", picture)[1].tobytes())
    report = build(raw, out)
    new = tree(out)
    changed = sorted(name for name in new if new[name] != old.get(name))
    tars = [name for name in changed if name.endswith(".tar")]
    assert len(tars) == 1 and tars[0].startswith("train/")
    assert set(changed) <= {tars[0], "train/manifest.json", "train/index.wids.json"}
    assert report.written == 1 and report.skipped == report.items - 1
    assert sorted(Path(p).name for p in report.outputs if p.endswith(".tar")) == [Path(tars[0]).name]


def test_failures_are_quarantined_and_set_the_exit_code(prefect_harness, coco_raw, tmp_path):
    from cli.main import app

    raw = tmp_path / "coco"
    shutil.copytree(coco_raw, raw)
    (raw / "val2017" / sorted(p.name for p in (raw / "val2017").iterdir())[0]).write_bytes(b"not an image")
    path = raw / "annotations/person_keypoints_train2017.json"
    data = json.loads(path.read_text())
    victim = next(a for a in data["annotations"] if a["num_keypoints"] > 0)
    victim["keypoints"][0:3] = [5000, 10, 2]
    path.write_text(json.dumps(data))
    args = ["build", "coco", "--root", str(raw), "--out", str(tmp_path / "out"), "--datasets-dir", str(DATASETS)]

    items = sum(len(json.loads((raw / f"annotations/person_keypoints_{s}2017.json").read_text())["images"])
                for s in ("train", "val"))
    result = CliRunner().invoke(app, [*args, "--set", f"failure_threshold={1.5 / items}"])  # 2 failed: above it
    assert result.exit_code == 1, result.output
    assert "val: 1 of 23 items failed (4%), above the failure_threshold" in result.output
    quarantined = {q.item: q for split in ("train", "val") for q in Manifest.read(tmp_path / "out" / split / MANIFEST_NAME).quarantined}
    assert quarantined[f"coco-train-{victim['image_id']}"].file == "annotations/person_keypoints_train2017.json"
    assert "keypoint nose at (5000, 10)" in quarantined[f"coco-train-{victim['image_id']}"].reason
    (bad_image,) = [q for q in quarantined.values() if q.file.startswith("val2017/")]
    assert "JPEG" in bad_image.reason
    written = Manifest.read(tmp_path / "out" / "val" / MANIFEST_NAME)
    assert written.num_samples > 0  # the rest of the split was built

    result = CliRunner().invoke(app, [*args, "--set", "failure_threshold=0.2"])
    assert result.exit_code == 0, result.output


def test_a_missing_split_is_skipped_unless_required(prefect_harness, coco_raw, tmp_path):
    report = build(coco_raw, tmp_path / "out", overrides=["splits=[val, test]"])
    assert report.failures == [] and report.failed == 0
    assert report.warnings == ["split 'test' skipped: annotations/person_keypoints_test2017.json: annotation file not found"]
    assert (tmp_path / "out" / "val" / MANIFEST_NAME).is_file() and not (tmp_path / "out" / "test").exists()

    with pytest.raises(BuildFailed) as failed:
        build(coco_raw, tmp_path / "required", overrides=["splits=[val, test]", "required_splits=[test]"])
    assert [(f.item, f.file) for f in failed.value.report.failures] == [("test (whole split)", "annotations/person_keypoints_test2017.json")]
    assert failed.value.lines == ["test: 1 of 1 items failed (100%), above the failure_threshold 5%"]


@pytest.mark.slow
def test_hand_clips_build_on_processes_like_on_threads(prefect_harness, tmp_path_factory, tmp_path):
    from synthetic import write_sample

    raw = tmp_path_factory.mktemp("raw")
    write_sample(raw, seed=0, datasets=("interhand26m",))
    threads = build(raw / "interhand26m", tmp_path / "threads", "interhand26m", [], runner="threads", workers=2)
    processes = build(raw / "interhand26m", tmp_path / "processes", "interhand26m", [], runner="processes", workers=2)
    assert threads.failed == processes.failed == 0 and threads.items == processes.items > 0
    assert tree(tmp_path / "threads") == tree(tmp_path / "processes")
    manifests = [Manifest.read(tmp_path / "threads" / split / MANIFEST_NAME) for split in ("train", "val")]
    assert {m.kind for m in manifests} == {"hand_clip"}
    assert sum(m.num_samples for m in manifests) == threads.items


@pytest.mark.slow
def test_sigkill_resumes_to_the_same_bytes(prefect_server, coco_raw, tmp_path):
    """Kill a build mid-way (SIGKILL, no cleanup), rerun it, and get what an uninterrupted build writes."""
    command = ["posefoundry", "build", "coco", "--root", str(coco_raw), "--datasets-dir", str(DATASETS),
               "--workers", "1", "--set", "options.items_per_task=1", "--set", "options.shards.max_samples=5"]
    killed = tmp_path / "killed"
    process = subprocess.Popen([*command, "--out", str(killed)], cwd=ROOT, env=prefect_server,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 300
    while len(list(killed.glob(".cache/*/items/*/*.rec"))) < 4 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert process.poll() is None, "the build ended before it could be killed"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    for shard in killed.rglob("*.tar"):  # nothing half-written under a final name
        with tarfile.open(shard) as tar:
            tar.getmembers()

    for out in (killed, tmp_path / "whole"):
        result = subprocess.run([*command, "--out", str(out)], cwd=ROOT, env=prefect_server, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr[-3000:]
    resumed, whole = tree(killed), tree(tmp_path / "whole")
    assert any(name.endswith(".tar") for name in whole)
    assert resumed.keys() == whole.keys()
    assert [name for name in whole if resumed[name] != whole[name]] == []
    assert not [p for p in killed.rglob("*.partial")]
