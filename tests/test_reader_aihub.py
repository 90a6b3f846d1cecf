"""tasks/readers/aihub_falldown.py: the CCTV XML, events, splits, windows, broken annotations."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tasks.items import ItemError, MissingSplit
from tasks.readers import aihub_falldown as reader
from tasks.spec import SpecError, load_spec
from tasks.video.items import VideoItem, cut_samples

DATASETS = Path(__file__).resolve().parents[1] / "datasets"


@pytest.mark.samples
def test_the_real_sample_xml(samples_dir):
    (xml,) = (samples_dir / "aihub").glob("*.xml")
    meta = reader.parse_xml(xml)
    assert (meta["fps"], meta["frames"], meta["width"], meta["height"]) == (30.0, 9337, 3840, 2160)
    assert meta["event"] == "swoon"
    names = [(e["name"], e["start"], e["end"]) for e in meta["events"]]
    assert ("totter", 3330, 3735) in names
    assert [n for n in names if n[0] == "falldown"] == [("falldown", 3735, 3809), ("falldown", 3809, 4111)]
    assert ("swoon", 3327, 4113) in names  # starttime 00:01:50.9 at 30 fps, 26.2 s long
    inclusive = reader.parse_xml(xml, frame_base=1, end_inclusive=True)
    assert ("falldown", 3734, 3809) in [(e["name"], e["start"], e["end"]) for e in inclusive["events"]]


@pytest.fixture
def tree(synthetic_sample, tmp_path) -> Path:
    root = tmp_path / "aihub"
    shutil.copytree(synthetic_sample / "aihub_falldown", root)
    return root


def spec_for(root: Path, *overrides: str):
    return load_spec("aihub_falldown", DATASETS, root=root, overrides=list(overrides))


def records(root: Path, *overrides: str) -> dict[str, dict | ItemError]:
    """Every video's record (or the error its annotations give), by path, through the protocol."""
    spec = spec_for(root, *overrides)
    found: dict[str, dict | ItemError] = {}
    for split in spec.splits:
        for item in reader.enumerate_items(root, split, spec.options):
            try:
                (found[item.files[0]],) = reader.load_records(root, item, spec.options)
            except ItemError as err:
                found[item.files[0]] = err
    return found


def test_videos_get_events_labels_and_both_splits(tree):
    found = records(tree)
    assert len(found) == 12 and not any(isinstance(r, ItemError) for r in found.values())
    swoons = [r for r in found.values() if r["path"].startswith("swoon/")]
    assert all(r["label_name"] == "Falldown" and r["label"] == 1 for r in swoons)
    assert all(r["label_name"] == "Normal" and r["label"] == 0 for r in found.values() if r["path"].startswith("wander/"))
    assert all(any(e["name"] == "falldown" for e in r["events"]) for r in swoons)
    assert {(r["split"], r["label"]) for r in found.values()} == {("train", 0), ("train", 1), ("val", 0), ("val", 1)}
    first = next(iter(found.values()))
    assert first["clip_id"] == first["path"].removesuffix(".mp4")
    spec = spec_for(tree)
    item = reader.enumerate_items(tree, "train", spec.options)[0]
    assert item.files == (item.files[0], item.files[0].replace(".mp4", ".xml"))  # the XML is part of the item


def test_windows_are_labelled_by_the_falldown_ranges(tree):
    spec = spec_for(tree)
    record = next(r for r in records(tree).values() if r["label"] == 1)
    item = VideoItem(**record)
    (start, end), *_ = [(e["start"], e["end"]) for e in item.events if e["name"] == "falldown"]
    spans = cut_samples(item, 300, spec.options["windows"], spec.labels)
    assert [s.start for s in spans] == [0, 50, 100, 150, 200]
    for s in spans:
        assert s.sample_id == f"{item.clip_id}@{s.start:06d}-{s.end:06d}"
        assert s.label_name == ("Falldown" if s.label == 1 else "Normal")
        if s.end <= start:
            assert s.label == 0
    assert any(s.label == 1 for s in spans)


def test_a_split_folder_in_the_path_decides_the_split():
    assert reader.split_of("Validation/swoon/a.mp4", 0.25) == "val"
    assert reader.split_of("train/swoon/a.mp4", 1.0) == "train"
    shares = [reader.split_of(f"swoon/{i}.mp4", 0.25) for i in range(400)]
    assert 0.15 < shares.count("val") / 400 < 0.35


def test_malformed_and_wrong_xml_fail_their_video_only(tree):
    videos = sorted(tree.rglob("*.mp4"))
    videos[0].with_suffix(".xml").write_text("<annotation><header><fps>30</fps></header><object>")
    text = videos[2].with_suffix(".xml").read_text()
    videos[2].with_suffix(".xml").write_text(text.replace("<start>", "<start>x", 1))
    found = records(tree)
    broken = {p.relative_to(tree).as_posix() for p in (videos[0], videos[2])}
    for path, record in found.items():
        assert isinstance(record, ItemError) == (path in broken), path
    first = found[videos[0].relative_to(tree).as_posix()]
    assert "not well-formed XML" in first.reason
    assert first.file == videos[0].relative_to(tree).with_suffix(".xml").as_posix()
    assert "expected a frame number" in found[videos[2].relative_to(tree).as_posix()].reason


def test_labels_the_windows_name_must_exist(tree):
    with pytest.raises(SpecError, match=r"options.windows names label\(s\) \['Fall'\]"):
        spec_for(tree, "windows.positive=Fall")


def test_an_empty_split_is_a_missing_split(tmp_path):
    with pytest.raises(MissingSplit, match=r"no videos of split 'train' match '\*\*/\*\.mp4'"):
        reader.enumerate_items(tmp_path, "train", spec_for(tmp_path).options)


@pytest.mark.parametrize("fps", ["nan", "inf", "-30"])
def test_a_non_finite_fps_fails_its_video_only(tree, fps):
    videos = sorted(tree.rglob("*.mp4"))
    xml = videos[0].with_suffix(".xml")
    xml.write_text(re.sub(r"<fps>[^<]*</fps>", f"<fps>{fps}</fps>", xml.read_text(), count=1))
    found = records(tree)
    broken = videos[0].relative_to(tree).as_posix()
    assert "<header/fps>" in found[broken].reason and "expected a finite number > 0" in found[broken].reason
    assert not any(isinstance(r, ItemError) for path, r in found.items() if path != broken)
