"""`posefoundry sample --scale K`: K times the items with new ids and the same layout, deterministic
from the seed, and K=1 the plain sample byte for byte (generators shrunk here to stay fast)."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest

from synthetic import aihub_falldown, coco, dexycb, interhand26m, rwf2000, write_sample
from synthetic.copies import check_scalable
from tasks.readers.aihub_falldown import OPTIONS, split_of


def tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def small_rwf(monkeypatch):
    monkeypatch.setattr(rwf2000, "CLIPS_PER_CLASS", {"train": 2, "val": 1})
    monkeypatch.setattr(rwf2000, "FRAMES", 6)


@pytest.fixture(scope="module")
def body_models(tmp_path_factory) -> dict[str, Path]:
    from synthetic.bodymodels import write_all

    return write_all(tmp_path_factory.mktemp("body_models"), seed=0)


def test_scale_one_is_the_plain_sample(tmp_path, small_rwf):
    rwf2000.generate(tmp_path / "plain", 0, {})
    rwf2000.generate(tmp_path / "one", 0, {}, scale=1)
    write_sample(tmp_path / "cli", seed=0, datasets=("rwf2000",), scale=1)
    assert tree(tmp_path / "one") == tree(tmp_path / "plain") == tree(tmp_path / "cli" / "rwf2000")


def test_scale_multiplies_videos_with_new_ids_in_the_same_layout(tmp_path, small_rwf):
    assert rwf2000.generate(tmp_path / "one", 0, {}) == 6
    assert rwf2000.generate(tmp_path / "three", 0, {}, scale=3) == 18
    one, three = tree(tmp_path / "one"), tree(tmp_path / "three")
    videos = [Path(name) for name in three if name.endswith(".avi")]
    assert len(videos) == 18 and len({v.stem.rsplit("_", 1)[0] for v in videos}) == 18  # YouTube ids unique
    assert Counter(v.parent for v in videos) == {p: 3 * n for p, n in Counter(Path(n).parent for n in one if n.endswith(".avi")).items()}
    assert all(three[name] == digest for name, digest in one.items())  # copy 0 is the plain sample
    rwf2000.generate(tmp_path / "again", 0, {}, scale=3)
    assert tree(tmp_path / "again") == three  # deterministic from the seed
    rwf2000.generate(tmp_path / "seed1", 1, {}, scale=3)
    assert set(tree(tmp_path / "seed1")) != set(three)


def test_scaled_coco_keeps_ids_unique_and_each_copy_laid_out_alike(tmp_path, monkeypatch, body_models):
    monkeypatch.setattr(coco, "SPLITS", {"train": 6, "val": 3})
    assert coco.generate(tmp_path, 0, body_models, scale=2) == 18
    ids = []
    for split, count in (("train", 6), ("val", 3)):
        data = json.loads((tmp_path / "annotations" / f"person_keypoints_{split}2017.json").read_text())
        images = data["images"]
        assert len(images) == 2 * count and all((tmp_path / f"{split}2017" / i["file_name"]).is_file() for i in images)
        assert len({a["id"] for a in data["annotations"]}) == len(data["annotations"])
        per_copy = [images[:count], images[count:]]
        assert [(i["width"], i["height"]) for i in per_copy[0]] == [(i["width"], i["height"]) for i in per_copy[1]]
        persons = Counter(a["image_id"] for a in data["annotations"])
        assert [persons[i["id"]] for i in per_copy[0]] == [persons[i["id"]] for i in per_copy[1]]
        smplx = json.loads((tmp_path / "annotations" / coco.SMPLX_FILE.format(split=split)).read_text())
        assert {str(a["id"]) for a in data["annotations"] if a["num_keypoints"]} <= set(smplx)
        ids += [i["id"] for i in images]
    assert len(ids) == len(set(ids)) == 18


def test_scaled_interhand_films_new_captures_per_split(tmp_path, body_models):
    interhand26m.generate(tmp_path, 0, body_models, scale=2)
    captures = {}
    for split in ("train", "val"):
        data = json.loads((tmp_path / "annotations" / split / f"InterHand2.6M_{split}_data.json").read_text())
        captures[split] = Counter(i["capture"] for i in data["images"])
        assert len({i["id"] for i in data["images"]}) == len(data["images"])
        assert len(set(captures[split].values())) == 1  # every copy films as many images
    assert set(captures["train"]) == {0, 2} and set(captures["val"]) == {1, 3}


def test_scaled_names_keep_the_split_layout():
    for event, wanted in aihub_falldown.VIDEOS.items():
        copies = [aihub_falldown._copy_names(event, wanted, copy, 4) for copy in range(4)]
        assert copies[0] == aihub_falldown._names(event, wanted)
        assert len({n for names in copies for n in names}) == 4 * sum(wanted.values())
        for names in copies:
            assert Counter(split_of(f"{event}/{n}.mp4", OPTIONS["val_share"]) for n in names) == wanted
    names = [dexycb._sequence_name("20200709", q, copy) for copy in range(16) for q in range(dexycb.SEQUENCES)]
    assert sorted(names) == names and len(set(names)) == len(names)  # sequence index mod 5 is q in every copy


def test_bad_scales_are_refused():
    with pytest.raises(ValueError, match=">= 1"):
        check_scalable({"rwf2000": rwf2000.generate}, 0)
    with pytest.raises(ValueError, match="fixed"):
        check_scalable({"fixed": lambda out, seed, body_models: 0}, 2)
    check_scalable({"fixed": lambda out, seed, body_models: 0}, 1)
