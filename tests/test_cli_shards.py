"""`posefoundry shards`: every command on good shards and on deliberately broken copies."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from cli.main import app
from schemas.shards import dump_npy, sample_problems
from shard_factory import (body, drop_member, hand_sample, hand_split, member_offsets, person, person_sample, person_split,
                           replace_member, write_tar)

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def run(*args):
    return runner.invoke(app, ["shards", *map(str, args)])


def run_json(*args):
    result = run(*args, "--json")
    return result.exit_code, json.loads(result.stdout), result.stderr


@pytest.fixture()
def root(tmp_path):
    person_split(tmp_path / "toy" / "val")
    hand_split(tmp_path / "hands" / "train")
    return tmp_path


def test_ls_from_manifests(root):
    code, data, _ = run_json("ls", root)
    assert code == 0 and data["ok"]
    listed = {g["label"]: g for g in data["groups"]}
    assert listed["toy/val"]["samples"] == 6 and listed["hands/train"]["samples"] == 5
    assert listed["toy/val"]["quarantined"] == 1
    for group in data["groups"]:
        for shard in group["shards"]:
            assert shard["source"] == "manifest"
            assert shard["bytes"] == (root / group["label"].split("/")[0] / group["label"].split("/")[1] / shard["name"]).stat().st_size
    human = run("ls", root)
    assert human.exit_code == 0
    assert "toy-val-000001.tar" in human.stderr and "11 samples in 2 split folder(s)" in human.stderr


def test_ls_without_manifest_reads_the_tars(root):
    (root / "toy" / "val" / "manifest.json").unlink()
    code, data, _ = run_json("ls", root / "toy" / "val")
    assert code == 0
    (group,) = data["groups"]
    assert [(s["samples"], s["source"], s["sha256"]) for s in group["shards"]] == [(4, "read", None), (2, "read", None)]


def test_ls_flags_missing_and_resized_shards(root):
    folder = root / "toy" / "val"
    (folder / "toy-val-000001.tar").unlink()
    with open(folder / "toy-val-000000.tar", "ab") as handle:
        handle.write(b"\0" * 512)
    code, data, _ = run_json("ls", folder)
    assert code == 1 and not data["ok"]
    problems = data["groups"][0]["problems"]
    assert any("toy-val-000001.tar: listed in the manifest but missing" in p for p in problems)
    assert any("toy-val-000000.tar:" in p and "the manifest says" in p for p in problems)


def test_stats_person_images(root):
    code, data, _ = run_json("stats", root / "toy")
    assert code == 0
    (group,) = data["groups"]
    content = group["content"]
    assert group["samples"] == 6 and group["kind"] == "person_image"
    assert content["persons"] == 9 and content["crowd_regions"] == 1
    assert content["persons_per_image"] == {"1": 3, "2": 3}
    slots = 9 * 17
    assert content["keypoints"]["occluded"] == pytest.approx(9 / slots)
    assert content["keypoints"]["unlabelled"] == pytest.approx(6 / slots)
    assert content["labelled_share_per_keypoint"]["left_ankle"] == pytest.approx(6 / 9)
    assert content["labelled_share_per_keypoint"]["nose"] == 1.0
    assert group["quarantined"] == 1 and group["quarantine_reasons"] == {"is a truncated JPEG (no end-of-image marker)": 1}


def test_stats_hand_clips(root):
    code, data, _ = run_json("stats", root / "hands" / "train")
    assert code == 0
    content = data["groups"][0]["content"]
    assert content["clips"] == 5 and content["frames"] == 15 and content["clip_lengths"] == {"3": 5}
    assert content["handedness"] == {"left": 2, "right": 3}
    assert content["valid_joint_share"] == pytest.approx((15 * 21 - 1) / (15 * 21))
    assert content["frames_with_all_joints_valid"] == pytest.approx(14 / 15)
    assert content["hand_bbox_side_px"]["median"] == pytest.approx(60.0)
    human = run("stats", root / "hands")
    assert "left 2, right 3" in human.stderr


def test_stats_never_decodes_images(root):
    folder = root / "toy" / "val"
    for key in range(4):
        replace_member(folder / "toy-val-000000.tar", f"toy-val-{key}.jpg", b"\xff\xd8" + b"\x07" * 3000)
    code, data, _ = run_json("stats", folder)
    assert code == 0 and data["groups"][0]["content"]["persons"] == 9
    code, data, _ = run_json("validate", folder, "--decode")
    assert code == 1
    assert "sample toy-val-0 member 'jpg': does not decode as an image" in data["groups"][0]["findings"][0]["text"]


def test_show_every_member(root):
    code, data, _ = run_json("show", root / "hands", "hands-train-3")
    assert code == 0 and data["key"] == "hands-train-3" and data["kind"] == "hand_clip"
    members = {m["member"]: m for m in data["members"]}
    assert members["joint_img.npy"]["dtype"] == "float32" and members["joint_img.npy"]["shape"] == [3, 21, 2]
    assert members["frame02.jpg"]["shape"] == [96, 96, 3] and members["frame02.jpg"]["dtype"] == "uint8"
    assert members["json"]["value"]["handedness"] == "left"
    assert members["has_mano.npy"]["values"] == [1.0, 1.0, 1.0]
    assert data["shard"].endswith("hands-train-000001.tar")
    human = run("show", root / "hands", "hands-train-3")
    assert "joint_cam.npy" in human.stderr and "[3, 21, 3]" in human.stderr


def test_show_unknown_key_suggests(root):
    result = run("show", root, "toy-val-7")
    assert result.exit_code == 1
    assert "no sample 'toy-val-7'" in result.stderr and "toy-val-1" in result.stderr


def test_show_a_bad_sample_lists_its_problems(root):
    replace_member(root / "hands" / "train" / "hands-train-000000.tar", "hands-train-1.joint_valid.npy",
                   dump_npy(np.ones((3, 20), np.float32)))
    code, data, _ = run_json("show", root / "hands", "hands-train-1")
    assert code == 1
    assert data["problems"] == ["sample hands-train-1 member 'joint_valid.npy': is float32 [3, 20], expected float32 [T, 21]"]
    assert next(m for m in data["members"] if m["member"] == "joint_valid.npy")["shape"] == [3, 20]


def test_stats_names_a_json_that_does_not_parse(root):
    replace_member(root / "toy" / "val" / "toy-val-000001.tar", "toy-val-4.json", b'{"persons": [')
    code, data, _ = run_json("stats", root / "toy" / "val")
    assert code == 1
    (problem,) = data["groups"][0]["problems"]
    assert problem.startswith(f"{root}/toy/val/toy-val-000001.tar: sample toy-val-4 member 'json' does not parse")
    assert data["groups"][0]["content"]["images"] == 5


def test_validate_good_shards(root):
    code, data, _ = run_json("validate", root, "--decode")
    assert code == 0
    assert {(g["label"], g["samples"], g["finding_count"]) for g in data["groups"]} == {("toy/val", 6, 0), ("hands/train", 5, 0)}


def test_validate_names_missing_key_and_wrong_shape(root):
    drop_member(root / "toy" / "val" / "toy-val-000000.tar", "toy-val-1.json")
    replace_member(root / "hands" / "train" / "hands-train-000001.tar", "hands-train-2.joint_img.npy",
                   dump_npy(np.zeros((3, 21, 3), np.float32)))
    code, data, _ = run_json("validate", root)
    assert code == 1
    texts = [f["text"] for g in data["groups"] for f in g["findings"]]
    assert f"{root}/toy/val/toy-val-000000.tar: sample toy-val-1: missing member 'json'" in texts
    assert (f"{root}/hands/train/hands-train-000001.tar: sample hands-train-2 member 'joint_img.npy': "
            "is float32 [3, 21, 3], expected float32 [T, 21, 2]") in texts
    human = run("validate", root)
    assert human.exit_code == 1 and "missing member 'json'" in human.stderr


def test_validate_reports_a_source_in_two_splits(root):
    """Leakage: toy/train holds toy/val's images (same jpg bytes), hands/val clips cut from the
    source images hands/train's clips were cut from."""
    person_split(root / "toy" / "train", split="train")
    hand_split(root / "hands" / "val", split="val", clips=1)
    code, data, _ = run_json("validate", root)
    assert code == 1
    groups = {g["label"]: g for g in data["groups"]}
    assert groups["toy/val"]["finding_count"] == 6 and groups["hands/val"]["finding_count"] == 1
    assert groups["toy/train"]["finding_count"] == groups["hands/train"]["finding_count"] == 0
    sha = hashlib.sha256(person_sample("toy-train-2", 2, [], seed=2)["jpg"]).hexdigest()
    assert (f"{root}/toy/val/toy-val-000000.tar: sample toy-val-2: leaks between splits train and val: "
            f"the same jpg bytes (sha256 {sha[:16]}...) as sample toy-train-2 of split train in "
            f"{root}/toy/train/toy-train-000000.tar") in [f["text"] for f in groups["toy/val"]["findings"]]
    (finding,) = groups["hands/val"]["findings"]
    assert finding["text"] == (
        f"{root}/hands/val/hands-val-000000.tar: sample hands-val-0: leaks between splits train and val: "
        "source image interhand26m:images/train/image0.jpg, source image interhand26m:images/train/image1.jpg, "
        f"source image interhand26m:images/train/image2.jpg as sample hands-train-0 of split train in "
        f"{root}/hands/train/hands-train-000000.tar")
    code, data, _ = run_json("validate", root / "toy" / "val")  # one split alone has nothing to leak into
    assert code == 0


def test_validate_rejects_nan_and_infinity_in_json(root):
    """json.dumps writes NaN and Infinity, which are not JSON: the schema (the build's check and
    `validate --decode`) names the sample, the member and where the number sits."""
    person_shard = root / "toy" / "val" / "toy-val-000000.tar"
    meta = json.loads(person_sample("toy-val-1", 1, [person(10, body(45)), person(11, body(115))])["json"])
    meta["persons"][1]["area"] = float("nan")
    person_json = json.dumps(meta).encode()
    replace_member(person_shard, "toy-val-1.json", person_json)
    hand_shard = root / "hands" / "train" / "hands-train-000000.tar"
    meta = json.loads(hand_sample("hands-train-1")["json"])
    meta["crop"]["size"] = float("-inf")
    replace_member(hand_shard, "hands-train-1.json", json.dumps(meta).encode())
    code, data, _ = run_json("validate", root, "--decode")
    assert code == 1
    texts = sorted(f["text"] for g in data["groups"] for f in g["findings"])
    assert texts == [
        f"{hand_shard}: sample hands-train-1 member 'json': does not parse: -Infinity is not valid JSON: a non-finite number at crop.size",
        f"{person_shard}: sample toy-val-1 member 'json': does not parse: NaN is not valid JSON: a non-finite number at persons[1].area",
    ]
    sample = {"__key__": "toy-val-1", "jpg": person_sample("toy-val-1", 1, [])["jpg"], "json": person_json}
    assert [str(p) for p in sample_problems(sample, "person_image")] == [texts[1].split(": ", 1)[1]]


def test_validate_truncated_tar_goes_on(root):
    shard = root / "toy" / "val" / "toy-val-000000.tar"
    cut = member_offsets(shard)["toy-val-2.jpg"] + 600
    shard.write_bytes(shard.read_bytes()[:cut])
    code, data, _ = run_json("validate", root / "toy" / "val")
    assert code == 1
    (group,) = data["groups"]
    assert group["samples"] == 4  # two whole samples before the cut, two in the next shard
    (finding,) = group["findings"]
    size = len(person_sample("toy-val-2", 2, [], seed=2)["jpg"])
    assert finding["text"] == f"{shard}: member 'toy-val-2.jpg': truncated: the file ends inside this member's data ({size} bytes expected)"


def test_truncated_tar_in_ls_and_stats_names_shard_and_member(root):
    shard = root / "hands" / "train" / "hands-train-000000.tar"
    shard.write_bytes(shard.read_bytes()[:member_offsets(shard)["hands-train-1.frame01.jpg"] + 700])
    (root / "hands" / "train" / "manifest.json").unlink()
    result = run("ls", root / "hands")
    assert result.exit_code == 1
    assert f"{shard} member 'hands-train-1.frame01.jpg': truncated" in result.stderr
    result = run("stats", root / "hands")
    assert result.exit_code == 1
    assert f"{shard} member 'hands-train-1.frame01.jpg': truncated" in result.stderr


def test_verify_good_and_bad(root):
    assert run("verify", root).exit_code == 0
    folder = root / "toy" / "val"
    shard = folder / "toy-val-000001.tar"
    data = bytearray(shard.read_bytes())
    data[member_offsets(shard)["toy-val-5.jpg"] + 512 + 300] ^= 0x55  # same size, other bytes
    shard.write_bytes(bytes(data))
    code, report, _ = run_json("verify", folder)
    assert code == 1
    (problem,) = report["groups"][0]["problems"]
    assert problem.startswith(f"{shard}: sha256 ") and "does not match the manifest's" in problem


def test_verify_counts_sizes_extra_shards_and_index(root):
    folder = root / "toy" / "val"
    first = folder / "toy-val-000000.tar"
    write_tar(first, [person_sample(f"toy-val-{i}", i, []) for i in range(5)])
    shutil.copy(first, folder / "toy-val-000002.tar")
    index = json.loads((folder / "index.wids.json").read_text())
    index["shardlist"][1]["nsamples"] = 3
    (folder / "index.wids.json").write_text(json.dumps(index))
    code, report, _ = run_json("verify", folder)
    assert code == 1
    problems = report["groups"][0]["problems"]
    assert f"{folder}/toy-val-000002.tar: on disk but not in the manifest" in problems
    assert any(p.startswith(f"{first}: 5 samples, the manifest says 4") for p in problems)
    assert any(p.startswith(f"{first}: sha256") for p in problems)
    assert any("index.wids.json: lists" in p for p in problems)


def test_verify_truncated_shard(root):
    shard = root / "toy" / "val" / "toy-val-000000.tar"
    shard.write_bytes(shard.read_bytes()[:member_offsets(shard)["toy-val-3.json"] + 512 + 10])
    code, report, _ = run_json("verify", root / "toy" / "val")
    assert code == 1
    problems = report["groups"][0]["problems"]
    assert any(f"{shard}: {shard.stat().st_size} bytes, the manifest says" in p for p in problems)
    assert f"{shard} member 'toy-val-3.json': truncated: the file ends inside this member's data" in " ".join(problems)


def test_verify_needs_a_manifest(root):
    (root / "toy" / "val" / "manifest.json").unlink()
    result = run("verify", root / "toy" / "val")
    assert result.exit_code == 1 and "no manifest to verify against" in result.stderr


def test_preview_writes_pngs(root, tmp_path):
    code, data, _ = run_json("preview", root / "toy", "toy-val-1", "--out", tmp_path / "p.png")
    assert code == 0 and data["kind"] == "person_image"
    image = cv2.imread(str(tmp_path / "p.png"))
    assert image is not None and image.shape[1] == 160 and image.shape[0] > 120
    code, data, _ = run_json("preview", root / "hands", "--out", tmp_path / "h.png", "--columns", "2")
    assert code == 0 and data["key"] == "hands-train-0"
    strip = cv2.imread(str(tmp_path / "h.png"))
    assert [(t["x"], t["y"]) for t in data["tiles"]] == [(0, 0), (100, 0), (0, 100)]
    assert strip.shape[1] == 2 * 96 + 4


def test_pipe_urls_work_for_reading(root):
    target = f"pipe:cat {root}/toy/val/toy-val-00000{{0..1}}.tar"
    code, data, _ = run_json("ls", target)
    assert code == 0 and data["samples"] == 6
    code, data, _ = run_json("stats", target)
    assert code == 0 and data["groups"][0]["content"]["persons"] == 9
    assert run("validate", target).exit_code == 0
    code, data, _ = run_json("show", target, "toy-val-5")
    assert code == 0 and data["shard"] == f"pipe:cat {root}/toy/val/toy-val-000001.tar"


@pytest.mark.parametrize("args,message", [
    (["ls", "{root}/nothing"], "no such file or folder"),
    (["stats", "{root}", "--kind", "faces"], "--kind 'faces': expected one of person_image, hand_clip"),
    (["preview", "{root}", "--out", "{root}/p.gif"], "unsupported image type"),
])
def test_usage_errors_exit_2(root, args, message):
    result = run(*[a.format(root=root) for a in args])
    assert result.exit_code == 2 and message in result.stderr
    result = run(*[a.format(root=root) for a in args], "--json")
    assert result.exit_code == 2 and message in json.loads(result.stdout)["error"]


@pytest.fixture(scope="module")
def built(synthetic_sample, prefect_harness, tmp_path_factory):
    """coco (person images) and interhand26m (hand clips) built from the sample by the real flow."""
    from flows.build import run_build

    out = tmp_path_factory.mktemp("shards")
    for name in ("coco", "interhand26m"):
        report = run_build(name, out / name, root=synthetic_sample / name, datasets_dir=ROOT / "datasets")
        assert report.failed == 0
    return out


def _webdataset_samples(folder):
    import webdataset as wds

    urls = sorted(str(p) for p in folder.glob("*.tar"))
    return list(wds.WebDataset(urls, shardshuffle=False))


@pytest.mark.slow
def test_built_shards_pass_every_command(built):
    for command in ("ls", "stats", "verify"):
        code, data, _ = run_json(command, built)
        assert code == 0 and data["ok"], (command, data)
    code, data, _ = run_json("validate", built, "--decode")
    assert code == 0
    labels = {g["label"]: g["samples"] for g in data["groups"]}
    assert set(labels) == {"coco/train", "coco/val", "interhand26m/train", "interhand26m/val"}
    for label, count in labels.items():
        dataset, split = label.split("/")
        assert count == len(_webdataset_samples(built / dataset / split)) > 0


@pytest.mark.slow
def test_built_stats_agree_with_webdataset(built):
    code, data, _ = run_json("stats", built / "interhand26m" / "train")
    handedness = data["groups"][0]["content"]["handedness"]
    counted = {}
    for sample in _webdataset_samples(built / "interhand26m" / "train"):
        side = json.loads(sample["json"])["handedness"]
        counted[side] = counted.get(side, 0) + 1
    assert handedness == counted
    code, data, _ = run_json("stats", built / "coco" / "val")
    persons = sum(sum(1 for p in json.loads(s["json"])["persons"] if not p["iscrowd"])
                  for s in _webdataset_samples(built / "coco" / "val"))
    assert data["groups"][0]["content"]["persons"] == persons


@pytest.mark.slow
def test_built_show_matches_wids(built, tmp_path):
    import wids

    folder = built / "interhand26m" / "val"
    dataset = wids.ShardListDataset(str(folder / "index.wids.json"), cache_dir=str(tmp_path), transformations=[])
    sample = dataset[len(dataset) - 1]
    code, data, _ = run_json("show", folder, sample["__key__"])
    assert code == 0 and not data["problems"]
    assert {m["member"] for m in data["members"]} == {k.lstrip(".") for k in sample if not k.startswith("__")}
    joint_img = next(m for m in data["members"] if m["member"] == "joint_img.npy")
    assert joint_img["dtype"] == "float32" and joint_img["shape"][1:] == [21, 2]


@pytest.mark.slow
def test_built_previews(built, tmp_path):
    for dataset, kind in (("coco", "person_image"), ("interhand26m", "hand_clip")):
        out = tmp_path / f"{dataset}.png"
        code, data, _ = run_json("preview", built / dataset / "val", "--out", out)
        assert code == 0 and data["kind"] == kind
        assert cv2.imread(str(out)) is not None
    sample = _webdataset_samples(built / "coco" / "val")[0]
    picture = cv2.imread(str(tmp_path / "coco.png"))
    source = cv2.imdecode(np.frombuffer(sample["jpg"], np.uint8), cv2.IMREAD_COLOR)
    drawn = (picture[: source.shape[0]] != source).any(axis=2)
    for person in json.loads(sample["json"])["persons"]:
        for x, y, v in person["keypoints"]:
            if v > 0:
                assert drawn[int(round(y)), int(round(x))]


@pytest.mark.slow
def test_broken_copies_of_a_built_split(built, tmp_path):
    folder = tmp_path / "val"
    shutil.copytree(built / "coco" / "val", folder)
    shard = next(folder.glob("*.tar"))
    offsets = member_offsets(shard)
    last = max(offsets, key=offsets.get)
    shard.write_bytes(shard.read_bytes()[: offsets[last] + 512 + 8])
    code, data, _ = run_json("verify", folder)
    assert code == 1
    text = " ".join(data["groups"][0]["problems"])
    assert f"{shard}: sha256" in text and f"{shard} member {last!r}: truncated" in text
    code, data, _ = run_json("validate", folder)
    assert code == 1 and data["groups"][0]["findings"][0]["text"].startswith(f"{shard}: member {last!r}: truncated")
