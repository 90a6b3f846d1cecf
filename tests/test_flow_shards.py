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
    victim["keypoints"][0:3] = [50, 10, 7]  # an invalid visibility (out-of-image points are carried, not failed)
    path.write_text(json.dumps(data))
    args = ["build", "coco", "--root", str(raw), "--out", str(tmp_path / "out"), "--datasets-dir", str(DATASETS)]

    items = sum(len(json.loads((raw / f"annotations/person_keypoints_{s}2017.json").read_text())["images"])
                for s in ("train", "val"))
    result = CliRunner().invoke(app, [*args, "--set", f"failure_threshold={1.5 / items}"])  # 2 failed: above it
    assert result.exit_code == 1, result.output
    assert "val: 1 of 23 items failed (4%), above the failure_threshold" in result.output
    quarantined = {q.item: q for split in ("train", "val") for q in Manifest.read(tmp_path / "out" / split / MANIFEST_NAME).quarantined}
    assert quarantined[f"coco-train-{victim['image_id']}"].file == "annotations/person_keypoints_train2017.json"
    assert "keypoint visibility must be 0, 1 or 2" in quarantined[f"coco-train-{victim['image_id']}"].reason
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
               "--workers", "1", "--set", "options.shards.max_samples=5"]
    killed = tmp_path / "killed"
    process = subprocess.Popen([*command, "--out", str(killed)], cwd=ROOT, env=prefect_server,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 300
    while len(list(killed.glob(".cache/*/shards/*.json"))) < 2 and process.poll() is None and time.monotonic() < deadline:
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


def test_a_flipped_bit_in_a_kept_shard_is_rewritten_and_temporaries_are_cleaned(built, coco_copy):
    out, _ = built
    shard = sorted((out / "val").glob("*.tar"))[0]
    good = shard.read_bytes()
    flipped = bytearray(good)
    flipped[len(flipped) // 2] ^= 0x01  # same size: a size check alone would keep it
    shard.write_bytes(bytes(flipped))
    leftovers = [out / "val" / f".{shard.name}.tmp", out / ".cache" / "val" / "shards" / f".{shard.name}.json.tmp"]
    for path in leftovers:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"half")
    report = build(coco_copy, out)
    assert shard.read_bytes() == good
    assert str(shard) in report.outputs and report.written == 1  # only the damaged sample is made again
    assert not any(path.exists() for path in leftovers)


def test_a_raw_name_outside_the_root_fails_its_item(prefect_harness, coco_raw, tmp_path):
    raw = tmp_path / "coco"
    shutil.copytree(coco_raw, raw)
    (tmp_path / "secret.jpg").write_bytes((raw / "val2017" / sorted(os.listdir(raw / "val2017"))[0]).read_bytes())
    path = raw / "annotations/person_keypoints_val2017.json"
    data = json.loads(path.read_text())
    data["images"][0]["file_name"] = "../../secret.jpg"
    data["images"][1]["file_name"] = str(tmp_path / "secret.jpg")
    path.write_text(json.dumps(data))
    report = build(raw, tmp_path / "out", overrides=["failure_threshold=0.5"])
    reasons = {f.file: f.reason for f in report.failures}
    assert reasons == {"val2017/../../secret.jpg": "points outside the raw root ('..')",
                       f"val2017{tmp_path}/secret.jpg": reasons.get(f"val2017{tmp_path}/secret.jpg")} or len(reasons) == 2
    assert all("outside the raw root" in r or "absolute path" in r for r in reasons.values())
    shards = b"".join(p.read_bytes() for p in (tmp_path / "out" / "val").glob("*.tar"))
    assert (tmp_path / "secret.jpg").read_bytes() not in shards


def test_a_split_whose_annotations_do_not_parse_fails_the_build(prefect_harness, coco_raw, tmp_path):
    raw = tmp_path / "coco"
    shutil.copytree(coco_raw, raw)
    (raw / "annotations/person_keypoints_val2017.json").write_text('{"images": [')
    with pytest.raises(BuildFailed) as failed:
        build(raw, tmp_path / "out")
    assert failed.value.lines == ["val: 1 of 1 items failed (100%), above the failure_threshold 5%"]
    assert "does not parse as JSON" in failed.value.report.failures[0].reason
    assert (tmp_path / "out" / "train" / MANIFEST_NAME).is_file()  # the train split was still built


@pytest.mark.samples
def test_a_real_val_only_tree_with_keypoints_outside_the_image_reads_back_exactly(prefect_harness, samples_dir, tmp_path):
    """Real COCO-format data as people hold it: only val2017, odd-but-valid annotations (a labelled
    keypoint above the frame, a box past its edge, float coordinates). Exit 0, numbers as in the source."""
    from cli.main import app

    raw = tmp_path / "coco"
    (raw / "annotations").mkdir(parents=True)
    shutil.copytree(samples_dir / "coco", raw / "val2017", ignore=shutil.ignore_patterns("*.json"))
    data = json.loads((samples_dir / "coco" / "test_coco.json").read_text())
    person = next(a for a in data["annotations"] if a["num_keypoints"] > 0)
    person["keypoints"][0:3] = [282.9, -24.9, 2]  # real annotations have labelled points outside the image
    person["bbox"] = [280.79, -30.5, 218.7, 346.68]
    (raw / "annotations" / "person_keypoints_val2017.json").write_text(json.dumps(data))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["build", "coco", "--root", str(raw), "--out", str(out), "--datasets-dir", str(DATASETS)])
    assert result.exit_code == 0, result.output
    assert "split 'train' skipped" in result.output
    by_image = {}
    for a in data["annotations"]:
        by_image.setdefault(a["image_id"], []).append(a)
    read = {s["__key__"]: json.loads(s["json"]) for s in wds.WebDataset(sorted(map(str, (out / "val").glob("*.tar"))), shardshuffle=False)}
    assert len(read) == len({a["image_id"] for a in data["annotations"] if a["num_keypoints"] > 0})
    for key, meta in read.items():
        source = sorted(by_image[meta["image_id"]], key=lambda a: a["id"])
        carried = sorted(meta["persons"], key=lambda p: p["id"])
        for name in ("id", "bbox", "area", "iscrowd", "num_keypoints"):
            assert [p[name] for p in carried] == [a[name] for a in source], (key, name)
        assert [sum(p["keypoints"], []) for p in carried] == [a["keypoints"] for a in source]
    flagged = next(p for m in read.values() for p in m["persons"] if p["id"] == person["id"])
    assert flagged["keypoints"][0] == [282.9, -24.9, 2] and flagged["outside_image"] == ["nose", "bbox"]
