"""tasks/readers/aihub_falldown.py: the CCTV XML, events, splits, windows, broken annotations."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tasks.readers import aihub_falldown as reader
from tasks.spec import load_spec

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


def test_videos_get_events_labels_and_both_splits(tree):
    items = reader.videos(spec_for(tree))
    assert len(items) == 12 and all(i.error is None for i in items)
    swoons = [i for i in items if i.path.startswith("swoon/")]
    assert all(i.label_name == "Falldown" and i.label == 1 for i in swoons)
    assert all(i.label_name == "Normal" and i.label == 0 for i in items if i.path.startswith("wander/"))
    assert all(any(e["name"] == "falldown" for e in i.events) for i in swoons)
    assert {(i.split, i.label) for i in items} == {("train", 0), ("train", 1), ("val", 0), ("val", 1)}
    assert items[0].clip_id == items[0].path.removesuffix(".mp4")
    assert items[0].sidecars == [items[0].path.replace(".mp4", ".xml")]


def test_windows_are_labelled_by_the_falldown_ranges(tree):
    spec = spec_for(tree)
    item = next(i for i in reader.videos(spec) if i.label == 1)
    (start, end), *_ = [(e["start"], e["end"]) for e in item.events if e["name"] == "falldown"]
    spans = reader.samples(spec, item, 300)
    assert [s.start for s in spans] == [0, 50, 100, 150, 200]
    for s in spans:
        assert s.sample_id == f"{item.clip_id}@{s.start:06d}-{s.end:06d}"
        assert s.label_name == ("Falldown" if s.label == 1 else "Normal")
        if s.end <= start:
            assert s.label == 0
    assert any(s.label == 1 for s in spans)


def test_a_split_folder_in_the_path_decides_the_split():
    assert reader.split_of("Validation/swoon/a.mp4", ["train", "val"], 0.25) == "val"
    assert reader.split_of("train/swoon/a.mp4", ["train", "val"], 1.0) == "train"
    shares = [reader.split_of(f"swoon/{i}.mp4", ["train", "val"], 0.25) for i in range(400)]
    assert 0.15 < shares.count("val") / 400 < 0.35


def test_malformed_missing_and_wrong_xml_fail_their_video_only(tree):
    videos = sorted(tree.rglob("*.mp4"))
    videos[0].with_suffix(".xml").write_text("<annotation><header><fps>30</fps></header><object>")
    videos[1].with_suffix(".xml").unlink()
    text = videos[2].with_suffix(".xml").read_text()
    videos[2].with_suffix(".xml").write_text(text.replace("<start>", "<start>x", 1))
    items = {i.path: i for i in reader.videos(spec_for(tree))}
    broken = {p.relative_to(tree).as_posix() for p in videos[:3]}
    for path, item in items.items():
        assert (item.error is not None) == (path in broken), path
    first = items[videos[0].relative_to(tree).as_posix()]
    assert "not well-formed XML" in first.error and first.error.startswith(str(videos[0].with_suffix(".xml")))
    assert first.error_file == videos[0].relative_to(tree).with_suffix(".xml").as_posix()
    assert "missing (every AI Hub video needs its same-stem XML)" in items[videos[1].relative_to(tree).as_posix()].error
    assert "expected a frame number" in items[videos[2].relative_to(tree).as_posix()].error


def test_labels_the_windows_name_must_exist(tree):
    spec = spec_for(tree, "windows.positive=Fall")
    with pytest.raises(ValueError, match=r"windows.positive/negative name label\(s\) \['Fall'\]"):
        reader.videos(spec)


def test_an_empty_root_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match=r"no videos under .* match '\*\*/\*\.mp4'"):
        reader.videos(spec_for(tmp_path))


@pytest.mark.parametrize("fps", ["nan", "inf", "-30"])
def test_a_non_finite_fps_fails_its_video_only(tree, fps):
    videos = sorted(tree.rglob("*.mp4"))
    xml = videos[0].with_suffix(".xml")
    original = xml.read_text()
    xml.write_text(re.sub(r"<fps>[^<]*</fps>", f"<fps>{fps}</fps>", original, count=1))
    try:
        items = {i.path: i for i in reader.videos(spec_for(tree))}
    finally:
        xml.write_text(original)
    broken = videos[0].relative_to(tree).as_posix()
    assert "<header/fps>" in items[broken].error and "expected a finite number > 0" in items[broken].error
    assert all(item.error is None for path, item in items.items() if path != broken)
