"""tasks/readers/aihub_fall_sensor.py: the 낙상 video/label tree, fall events, labels, splits, broken JSON."""

from __future__ import annotations

import json
import shutil
import unicodedata
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from synthetic import generator
from tasks.items import ItemError, MissingSplit
from tasks.readers import aihub_fall_sensor as reader
from tasks.spec import SpecError, load_spec
from tasks.video.items import VideoItem, cut_samples

DATASETS = Path(__file__).resolve().parents[1] / "datasets"
NAME = "aihub_fall_sensor"


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    """Only this source's synthetic tree (seed 0), written once for the module."""
    out = tmp_path_factory.mktemp("fall_sensor") / NAME
    generator(NAME)(out, 0, {})
    return out


@pytest.fixture
def tree(sample, tmp_path) -> Path:
    root = tmp_path / NAME
    shutil.copytree(sample, root)
    return root


def spec_for(root: Path, *overrides: str):
    return load_spec(NAME, DATASETS, root=root, overrides=list(overrides))


def record_or_error(root: Path, item, options: dict) -> dict | ItemError:
    try:
        return reader.load_records(root, item, options)[0]
    except ItemError as err:
        return err


def records(root: Path, *overrides: str) -> dict[str, dict | ItemError]:
    """Every video's record (or the error its label gives), by path, through the protocol."""
    spec = spec_for(root, *overrides)
    items = [item for split in spec.splits for item in reader.enumerate_items(root, split, spec.options)]
    return {item.files[0]: record_or_error(root, item, spec.options) for item in items}


def label_of(root: Path, video: str) -> Path:
    return root / video.replace("원천데이터/", "라벨링데이터/", 1).replace(".mp4", ".json")


def test_the_tree_has_the_documented_layout(sample):
    videos = sorted(p.relative_to(sample).as_posix() for p in sample.rglob("*.mp4"))
    assert len(videos) == 7
    assert "원천데이터/영상/Y(낙상)/FY(전면낙상)/00001_H_A_FY_C1/00001_H_A_FY_C1.mp4" in videos
    for video in videos:
        assert video.startswith(("원천데이터/영상/N(비낙상)/N(비낙상)/", "원천데이터/영상/Y(낙상)/BY(후면낙상)/",
                                 "원천데이터/영상/Y(낙상)/FY(전면낙상)/", "원천데이터/영상/Y(낙상)/SY(측면낙상)/"))
        data = json.loads(label_of(sample, video).read_text(encoding="utf-8"))
        assert set(data) == {"metadata", "scene_info", "actor_info", "sensordata", "scene_path"}
        assert data["metadata"]["scene_id"] == Path(video).stem
        assert data["scene_info"]["scene_IsFall"] == ("비낙상" if "_H_A_N_" in video else "낙상")
        assert (sample / video).with_name(f"{Path(video).stem}.pose.json").is_file()


def test_videos_get_the_fall_as_event_labels_and_both_splits(sample):
    found = records(sample)
    assert len(found) == 7 and not any(isinstance(r, ItemError) for r in found.values())
    for path, record in found.items():
        data = json.loads(label_of(sample, path).read_text(encoding="utf-8"))
        falls = data["scene_info"]["scene_IsFall"] == "낙상"
        assert (record["label_name"], record["label"]) == (("Falldown", 1) if falls else ("Normal", 0))
        fall = data["sensordata"]
        assert record["events"] == ([{"name": "falldown", "start": fall["fall_start_frame"], "end": fall["fall_end_frame"]}]
                                    if falls else [])
        assert record["clip_id"] == path.removesuffix(".mp4")
    assert {(r["split"], r["label"]) for r in found.values()} == {("train", 0), ("train", 1), ("val", 0), ("val", 1)}
    splits = {}
    for record in found.values():  # the cameras of one scene share its split
        splits.setdefault(Path(record["path"]).stem.split("_")[0], set()).add(record["split"])
    assert all(len(s) == 1 for s in splits.values()) and len(splits) == 5
    spec = spec_for(sample)
    item = reader.enumerate_items(sample, "train", spec.options)[0]
    assert item.files == (item.files[0], label_of(Path(""), item.files[0]).as_posix())  # the JSON is part of the item
    again = reader.enumerate_items(sample, "train", spec.options)
    assert [i.files for i in again] == [i.files for i in reader.enumerate_items(sample, "train", spec.options)]


def test_windows_are_labelled_by_the_fall_frames(sample):
    spec = spec_for(sample)
    record = next(r for r in records(sample).values() if r["label"] == 1)
    item = VideoItem(**record)
    ((start, end),) = [(e["start"], e["end"]) for e in item.events]
    spans = cut_samples(item, 240, spec.options["windows"], spec.labels)
    assert [(s.start, s.end) for s in spans] == [(0, 120), (60, 180), (120, 240)]
    for s in spans:
        shared = max(0, min(s.end, end) - max(s.start, start))
        assert s.label == int(shared >= 0.3 * min(120, end - start)) and s.label_name == ("Falldown" if s.label else "Normal")
    assert any(s.label == 1 for s in spans)


def the_documented_example() -> dict:
    """The label layout the third-party description of the dataset shows (one side-fall clip)."""
    return {
        "metadata": {"description": "낙상사고 위험동작 이미지 데이터", "scene_id": "00015_H_A_SY_C2", "scene_format": "MP4",
                     "scene_res": "3840 X 2160", "creator": "순천향대학교 산학협력단", "distributor": "NIA", "date": "2023-09-05"},
        "scene_info": {"scene_loc": "병원", "scene_pos": "병실", "scene_method": "none", "scene_IsFall": "낙상",
                       "scene_cat_name": "측면낙상", "fall_type": "중심을 잃고 넘어짐", "scene_length": 600, "cam_num": 2},
        "actor_info": {"actor_id": "F", "actor_age": "adult1(청소년청년)", "actor_sex": "m"},
        "sensordata": {"fall_start_frame": 281, "fall_end_frame": 341},
        "scene_path": {"scene_path": "낙상/Y/SY/00015_H_A_SY_C2"},
    }


def test_the_documented_label_layout_and_frame_numbering():
    opts = reader.OPTIONS
    meta = reader.parse_label(the_documented_example(), opts)
    assert meta == {"fall": True, "scene_length": 600, "events": [{"name": "falldown", "start": 281, "end": 341}]}
    one_based = {**opts, "frames": {"frame_base": 1, "end_inclusive": True}}
    assert reader.parse_label(the_documented_example(), one_based)["events"] == [{"name": "falldown", "start": 280, "end": 341}]
    no_fall = the_documented_example()
    no_fall["scene_info"].update(scene_IsFall="비낙상", scene_cat_name="비낙상", fall_type="none")
    no_fall["sensordata"] = {"fall_start_frame": 0, "fall_end_frame": 0}
    assert reader.parse_label(no_fall, opts) == {"fall": False, "scene_length": 600, "events": []}


def edit(key: str, value: str):
    """A change to one label: `section.key` set to `value` (a JSON text fragment)."""
    section, name = key.split(".")

    def change(text: str) -> str:
        data = json.loads(text)
        data[section][name] = "@@"
        return json.dumps(data, ensure_ascii=False).replace('"@@"', value)
    return change


BROKEN = {
    "not JSON": (lambda text: text[: len(text) // 2], "not JSON"),
    "NaN start": (edit("sensordata.fall_start_frame", "NaN"), "'sensordata.fall_start_frame' is nan, expected a finite whole number"),
    "infinite end": (edit("sensordata.fall_end_frame", "Infinity"), "'sensordata.fall_end_frame' is inf, expected a finite"),
    "text frame": (edit("sensordata.fall_start_frame", '"frame 3"'), "expected a frame number"),
    "beyond the scene": (edit("scene_info.scene_length", "100"), "beyond scene_length 100"),
    "unknown scene_IsFall": (edit("scene_info.scene_IsFall", '"fall"'), "'scene_info.scene_IsFall' is 'fall', expected '낙상' or '비낙상'"),
    "no sensordata": (lambda text: json.dumps({k: v for k, v in json.loads(text).items() if k != "sensordata"}),
                      "'sensordata' is missing, expected an object"),
    "empty fall": (edit("sensordata.fall_end_frame", "0"), "not a frame range"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_label_fails_its_video_only_naming_the_file(tree, case):
    change, reason = BROKEN[case]
    video = next(p.relative_to(tree).as_posix() for p in sorted(tree.rglob("*_H_A_SY_C1.mp4")))
    label = label_of(tree, video)
    label.write_text(change(label.read_text(encoding="utf-8")), encoding="utf-8")
    found = records(tree)
    assert len(found) == 7
    assert not any(isinstance(r, ItemError) for path, r in found.items() if path != video)
    error = found[video]
    assert isinstance(error, ItemError) and error.file == label.relative_to(tree).as_posix()
    assert reason in error.reason, error.reason


def test_a_no_fall_scene_with_fall_frames_and_a_missing_label_fail_alone(tree):
    videos = sorted(p.relative_to(tree).as_posix() for p in tree.rglob("*.mp4"))
    no_fall = next(v for v in videos if "_H_A_N_" in v)
    label = label_of(tree, no_fall)
    label.write_text(edit("sensordata.fall_end_frame", "30")(label.read_text(encoding="utf-8")), encoding="utf-8")
    missing = next(v for v in videos if "_H_A_BY_" in v)
    label_of(tree, missing).unlink()
    found = records(tree)
    assert "scene_IsFall is '비낙상' but sensordata gives fall frames 0-30" in found[no_fall].reason
    assert found[missing].file == label_of(Path(""), missing).as_posix() and "file not found" in found[missing].reason
    assert sum(isinstance(r, ItemError) for r in found.values()) == 2


def test_labels_are_found_in_renamed_nfd_and_twinned_label_folders(tree):
    """Real copies: numbered folders (01.원천데이터 / 02.라벨링데이터), names in NFD (macOS), and a
    `센서` twin of each `영상` label; the `영상` one is read."""
    (tree / "원천데이터").rename(tree / unicodedata.normalize("NFD", "01.원천데이터"))
    labels = tree / unicodedata.normalize("NFD", "02.라벨링데이터")
    (tree / "라벨링데이터").rename(labels)
    shutil.copytree(labels / "영상", labels / "센서")
    for twin in (labels / "센서").rglob("*.json"):
        twin.write_text("{not the label to read", encoding="utf-8")
    found = records(tree)
    assert len(found) == 7 and not any(isinstance(r, ItemError) for r in found.values())
    spec = spec_for(tree)
    for item in reader.enumerate_items(tree, "val", spec.options):
        assert Path(item.files[1]).parts[1] == "영상"


def test_split_folders_decide_and_an_empty_split_is_missing(tree, tmp_path):
    moved = tmp_path / "moved"
    (moved / "Validation").mkdir(parents=True)
    for part in ("원천데이터", "라벨링데이터"):
        shutil.move(tree / part, moved / "Validation" / part)
    options = spec_for(moved).options
    items = reader.enumerate_items(moved, "val", options)
    assert len(items) == 7 and {reader.load_records(moved, i, options)[0]["split"] for i in items} == {"val"}
    with pytest.raises(MissingSplit, match=r"no videos of split 'train' match '\*\*/\*\.mp4'"):
        reader.enumerate_items(moved, "train", options)
    assert reader.split_for("Training/원천데이터/영상/Y(낙상)/FY(전면낙상)/00001_H_A_FY_C1/00001_H_A_FY_C1.mp4", 1.0) == "train"


def test_scene_labels_must_name_known_labels(sample):
    with pytest.raises(SpecError, match=r"options.scene_labels.*names label\(s\) \['Fall'\] that 'labels' lacks"):
        spec_for(sample, "scene_labels.fall=Fall")
    record = next(r for r in records(sample, "labels={Fall: 1, Normal: 0}", "scene_labels.fall=Fall", "windows.positive=Fall").values()
                  if r["events"])
    assert (record["label_name"], record["label"]) == ("Fall", 1)


@pytest.mark.slow
def test_the_sample_builds_through_the_flow_and_a_broken_label_fails_alone(prefect_harness, tree, tmp_path):
    from flows.build import run_build
    from schemas.tables import folder_problems

    def build(*overrides: str):
        return run_build(NAME, out, root=tree, overrides=list(overrides), datasets_dir=DATASETS, runner="threads", workers=2)

    out = tmp_path / "out"
    first = build()
    assert (first.items, first.written, first.skipped, first.failed) == (7, 7, 0, 0)
    assert folder_problems(out) == []
    clips = {c["path"]: c for c in pq.read_table(out / "clips.parquet").to_pylist()}
    assert {c["status"] for c in clips.values()} == {"ok"}
    assert all((c["num_frames"], c["fps"], c["width"], c["height"]) == (240, 60.0, 320, 180) for c in clips.values())
    for path, clip in clips.items():
        fall = json.loads(label_of(tree, path).read_text(encoding="utf-8"))["sensordata"]
        expected = [{"name": "falldown", "start": fall["fall_start_frame"], "end": fall["fall_end_frame"]}] if fall["fall_end_frame"] else []
        assert clip["events"] == expected and clip["label_name"] == ("Falldown" if expected else "Normal")
    samples = pq.read_table(out / "samples.parquet").to_pylist()
    assert len(samples) == 21 and {(s["split"], s["label_name"]) for s in samples} == {
        ("train", "Normal"), ("train", "Falldown"), ("val", "Normal"), ("val", "Falldown")}

    video = next(p for p in sorted(clips) if "_H_A_FY_C2" in p)
    label_of(tree, video).write_text('{"scene_info": {"scene_IsFall": "낙상"}, "sensordata": {"fall_start_frame": NaN}}')
    second = build("failure_threshold=0.6")
    assert (second.items, second.written, second.skipped, second.failed) == (7, 0, 6, 1)
    (failure,) = second.failures
    assert failure.file == label_of(Path(""), video).as_posix() and "is nan" in failure.reason
    assert folder_problems(out) == []
    assert {c["path"]: c["status"] for c in pq.read_table(out / "clips.parquet").to_pylist()}[video] == "failed"
