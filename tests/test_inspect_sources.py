"""PATH arguments: folders at any level, one shard, globs, brace ranges and URLs; and what is not a PATH."""

from __future__ import annotations

import pytest

from inspection.sources import TargetError, resolve
from shard_factory import hand_split, person_split


@pytest.fixture()
def tree(tmp_path):
    person_split(tmp_path / "toy" / "val", "val", images=6)
    person_split(tmp_path / "toy" / "train", "train", images=2)
    hand_split(tmp_path / "hands" / "train")
    hidden = tmp_path / "toy" / ".cache" / "val"
    hidden.mkdir(parents=True)
    (hidden / "leftover.tar").write_bytes(b"x")
    (tmp_path / "toy" / "val" / ".toy-val-000009.tar.partial").write_bytes(b"x")
    return tmp_path


def names(groups):
    return {g.label: [s.name for s in g.shards] for g in groups}


def test_root_finds_every_split_but_no_cache(tree):
    assert names(resolve(str(tree))) == {
        "hands/train": ["hands-train-000000.tar", "hands-train-000001.tar", "hands-train-000002.tar"],
        "toy/train": ["toy-train-000000.tar"],
        "toy/val": ["toy-val-000000.tar", "toy-val-000001.tar"],
    }


def test_split_folder_has_its_manifest(tree):
    (group,) = resolve(str(tree / "toy" / "val"))
    assert group.whole and group.kind == "person_image"
    assert group.manifest.num_samples == 6


def test_one_shard_glob_and_braces(tree):
    (one,) = resolve(str(tree / "toy" / "val" / "toy-val-000001.tar"))
    assert [s.name for s in one.shards] == ["toy-val-000001.tar"] and not one.whole
    assert one.entry("toy-val-000001.tar").samples == 2
    assert names(resolve(str(tree / "*" / "train" / "*-000000.tar"))) == {
        "hands/train": ["hands-train-000000.tar"], "toy/train": ["toy-train-000000.tar"]}
    assert names(resolve(str(tree / "hands" / "train" / "hands-train-{000001..000002}.tar"))) == {
        "hands/train": ["hands-train-000001.tar", "hands-train-000002.tar"]}


def test_urls_are_one_group_without_manifest(tree):
    (group,) = resolve(f"pipe:cat {tree}/toy/val/toy-val-00000{{0..1}}.tar")
    assert [s.target for s in group.shards] == [f"pipe:cat {tree}/toy/val/toy-val-000000.tar",
                                                f"pipe:cat {tree}/toy/val/toy-val-000001.tar"]
    assert group.manifest is None


def test_a_manifest_listing_a_missing_shard_keeps_it(tree):
    (tree / "toy" / "val" / "toy-val-000001.tar").unlink()
    (group,) = resolve(str(tree / "toy" / "val"))
    assert [(s.name, s.exists) for s in group.shards] == [("toy-val-000000.tar", True), ("toy-val-000001.tar", False)]


def test_bad_manifest_is_reported_not_fatal(tree):
    (tree / "toy" / "val" / "manifest.json").write_text('{"dataset": "toy"}')
    (group,) = resolve(str(tree / "toy" / "val"))
    assert group.manifest is None and "missing key 'split'" in group.manifest_error
    assert len(group.shards) == 2


@pytest.mark.parametrize("target,message", [
    ("nowhere", "nowhere: no such file or folder"),
    ("*.nothing", "matches no file or folder"),
    ("empty", "no shards and no manifest.json found there"),
    ("notes.txt", "not a shard"),
])
def test_not_a_path_of_shards(tmp_path, monkeypatch, target, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes.txt").write_text("hi")
    with pytest.raises(TargetError, match=message):
        resolve(target)
