"""synthetic/rwf2000.py and aihub_falldown.py: real layouts, readable videos, poses that
match the pixels, and motions that differ by class."""

from __future__ import annotations

import json
import re
from pathlib import Path

import decord
import numpy as np
from tasks.readers.aihub_falldown import parse_xml
from synthetic import aihub_falldown, rwf2000
from tasks.video.pose.annotations import read_annotations

RWF_NAME = re.compile(r"^[A-Za-z0-9_\-]{11}_\d\.avi$")
AIHUB_NAME = re.compile(r"^\d{3}-\d_cam\d{2}_(swoon|wander)\d{2}_place\d{2}_(day|night)_summer\.mp4$")


def poses(video: Path) -> dict:
    return read_annotations(video.with_name(f"{video.stem}.pose.json"))


def test_rwf2000_tree_layout_and_readable_videos(synthetic_sample):
    root = synthetic_sample / "rwf2000"
    videos = sorted(root.rglob("*.avi"))
    assert len(videos) == 64
    for video in videos:
        split, label, name = video.relative_to(root).parts
        assert split in ("train", "val") and label in ("Fight", "NonFight") and RWF_NAME.match(name), name
        assert video.with_name(f"{video.stem}.pose.json").is_file()
    reader = decord.VideoReader(str(videos[0]))
    assert len(reader) == 64 and reader[0].shape == (240, 320, 3)


def test_the_pose_file_matches_the_drawn_figures(synthetic_sample):
    video = sorted((synthetic_sample / "rwf2000" / "train" / "Fight").glob("*.avi"))[0]
    frames = decord.VideoReader(str(video)).get_batch(list(range(64))).asnumpy()
    annotated = poses(video)
    assert len(annotated) >= 58  # a few frames miss a detection, on purpose
    background = np.median(frames, axis=0)
    for t, persons in list(annotated.items())[::8]:
        for kp in persons.keypoints:
            x, y = kp[11:13].mean(0).round().astype(int)  # a limb passes through the hips
            near = np.s_[y - 3:y + 4, x - 3:x + 4]
            patch = np.abs(frames[t][near].astype(int) - background[near])
            assert patch.max() > 40, f"no figure drawn at the annotated hips in frame {t}"


def motion(root: Path, label: str) -> tuple[float, float]:
    """Mean wrist speed (per body height per frame) and mean gap between two persons (per height)."""
    speeds, gaps = [], []
    for video in sorted((root / "train" / label).glob("*.avi")):
        annotated = poses(video)
        frames = sorted(annotated)
        for a, b in zip(frames, frames[1:]):
            pa, pb = annotated[a], annotated[b]
            if b - a == 1 and len(pa) == len(pb):
                height = np.ptp(pa.keypoints[:, :, 1], axis=1).mean()
                speeds.append(np.abs(pb.keypoints[:, 9:11] - pa.keypoints[:, 9:11]).mean() / height)
            if len(pa) == 2:
                gaps.append(abs(pa.keypoints[0, 0, 0] - pa.keypoints[1, 0, 0]) / np.ptp(pa.keypoints[0, :, 1]))
    return float(np.mean(speeds)), float(np.mean(gaps))


def test_fights_strike_fast_and_close_non_fights_are_calm(synthetic_sample):
    fight_speed, fight_gap = motion(synthetic_sample / "rwf2000", "Fight")
    calm_speed, calm_gap = motion(synthetic_sample / "rwf2000", "NonFight")
    assert fight_speed > 2 * calm_speed  # calm wrists move about as much as the annotation noise
    assert fight_gap < 0.6 < calm_gap


def test_aihub_tree_xml_and_falls_inside_the_labelled_range(synthetic_sample):
    root = synthetic_sample / "aihub_falldown"
    videos = sorted(root.rglob("*.mp4"))
    assert len(videos) == 12 and all(AIHUB_NAME.match(v.name) for v in videos)
    for video in videos:
        meta = parse_xml(video.with_suffix(".xml"))
        reader = decord.VideoReader(str(video))
        assert meta["frames"] == len(reader) and (meta["width"], meta["height"]) == (320, 180)
        annotated = poses(video)
        falls = [e for e in meta["events"] if e["name"] == "falldown"]
        assert bool(falls) == (video.parent.name == "swoon")
        lying = {t for t, p in annotated.items() if any(np.ptp(k[:, 0]) > 1.5 * np.ptp(k[:, 1]) for k in p.keypoints)}
        if not falls:
            assert not lying, f"{video.name}: somebody lies down in a normal video"
            continue
        start, end = falls[0]["start"], falls[-1]["end"]
        assert end <= len(reader)
        assert lying and min(lying) > start and {t for t in lying if t < end}, video.name
        assert not {t for t in lying if t < start}  # nobody lies before the fall


def test_generation_is_deterministic(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert aihub_falldown.generate(a, 3, {}) == aihub_falldown.generate(b, 3, {}) == 12
    for path in sorted(a.rglob("*")):
        if path.is_file():
            assert path.read_bytes() == (b / path.relative_to(a)).read_bytes(), path.name
    assert rwf2000.youtube_id(np.random.default_rng(0)) == rwf2000.youtube_id(np.random.default_rng(0))


def test_pose_files_follow_the_documented_format(synthetic_sample):
    video = sorted((synthetic_sample / "aihub_falldown").rglob("*.mp4"))[0]
    data = json.loads(video.with_name(f"{video.stem}.pose.json").read_text())
    assert (data["format"], data["version"], data["keypoints"], data["video"]) == ("posefoundry-poses", 1, "coco17", video.name)
    person = data["frames"][0]["persons"][0]
    assert len(person["bbox"]) == 4 and np.array(person["keypoints"]).shape == (17, 3)
    assert {"id", "score"} <= set(person)
