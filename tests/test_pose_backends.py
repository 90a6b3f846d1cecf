"""tasks/video/pose: one interface, four backends, persons in original video pixels."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from schemas.tables import validate_table
from tasks.video.decode import FrameBatch, VideoDecoder
from tasks.video.pose import Persons, make_backend
from tasks.video.pose.annotations import AnnotationError
from tasks.video.tables import frames_table
from tasks.video.tracking import track_persons
from video_factory import write_video


def options(**kw):
    base = {"backend": "annotations", "config": None, "checkpoint": None, "model": None,
            "annotations": "{stem}.pose.json", "device": "auto", "batch_size": 4,
            "score_threshold": 0.3, "max_people": 4}
    return {**base, **kw}


def batch(video: Path, indices: list[int], width: int = 64, height: int = 48, scale: float = 1.0) -> FrameBatch:
    images = np.zeros((len(indices), height, width, 3), np.uint8)
    return FrameBatch(video, np.array(indices), images, (scale, scale))


def test_clean_makes_contract_safe_persons():
    kp = np.full((3, 17, 2), 10.0, np.float32)
    kp[0, 3] = np.nan
    kp[1, 0] = [500, -5]
    persons = Persons(
        np.array([[5, 5, 20, 30], [30, 40, 10, 10], [0, 0, 1, 1]], np.float32),
        np.array([0.9, 1.4, 0.1], np.float32), kp, np.full((3, 17), 0.8, np.float32),
    )
    clean = persons.clean(100, 50, min_score=0.3)
    assert len(clean) == 2  # the 0.1 person is under the threshold
    assert clean.scores.tolist() == [1.0, pytest.approx(0.9)]  # best first, clipped to 1
    assert np.isfinite(clean.keypoints).all() and clean.keypoint_scores[1, 3] == 0  # NaN -> score 0
    assert clean.keypoints[0, 0].tolist() == [100, 0]  # clipped into the frame
    assert (clean.boxes[:, 2:] >= clean.boxes[:, :2]).all()
    assert len(persons.clean(100, 50, limit=1)) == 1


def write_pose_file(path: Path, frames: list[dict]) -> None:
    path.write_text(json.dumps({"format": "posefoundry-poses", "version": 1, "video": "v.avi", "num_frames": 5,
                                "width": 64, "height": 48, "keypoints": "coco17", "frames": frames}))


def person(x: float, score: float = 0.9) -> dict:
    return {"bbox": [x, 5, x + 10, 40], "score": score, "keypoints": [[x + 5, 6 + 2 * k, 0.8] for k in range(17)]}


def test_annotations_backend_reads_the_file_beside_the_video(tmp_path):
    video = tmp_path / "v.avi"
    frames = [{"frame": 1, "persons": [person(10), person(40, 0.5)]}, {"frame": 3, "persons": [person(12)]}]
    write_pose_file(tmp_path / "v.pose.json", frames)
    backend = make_backend(options())
    out = backend(batch(video, [0, 1, 2, 3]), 64, 48)
    assert [len(p) for p in out] == [0, 2, 0, 1]
    assert out[1].boxes[0].tolist() == [10, 5, 20, 40] and out[1].keypoints[0, 2].tolist() == [15, 10]
    assert backend.inputs(video) == [tmp_path / "v.pose.json"]


def test_annotations_backend_errors_name_the_file(tmp_path):
    backend = make_backend(options())
    with pytest.raises(AnnotationError, match=r"missing\.pose\.json: no pose annotation file"):
        backend(batch(tmp_path / "missing.avi", [0]), 64, 48)
    write_pose_file(tmp_path / "bad.pose.json", [{"frame": 0, "persons": [{"bbox": [1, 2, 3], "keypoints": []}]}])
    with pytest.raises(AnnotationError, match=r"bad\.pose\.json frames\[0\] persons\[0\]"):
        backend(batch(tmp_path / "bad.avi", [0]), 64, 48)


def test_unknown_backend_and_missing_files_are_clear():
    with pytest.raises(ValueError, match="unknown pose backend 'openpose'"):
        make_backend(options(backend="openpose"))
    with pytest.raises(ValueError, match="needs the option pose.model"):
        make_backend(options(backend="onnx"))
    with pytest.raises(FileNotFoundError, match="pose.checkpoint: nowhere.pth does not exist"):
        make_backend(options(backend="rtmo", checkpoint="nowhere.pth"))


# A stand-in for an RTMO end-to-end export: the same input and outputs (dets [1,N,5], keypoints
# [1,N,17,3] in letterboxed 640x640 pixels), fixed detections computed through the input.
DETS = np.array([[[64, 32, 192, 288, 0.9], [66, 34, 190, 290, 0.8], [320, 100, 400, 300, 0.2]]], np.float32)
KPTS = np.stack([np.stack([64 + 7 * np.arange(17), 32 + 15 * np.arange(17), np.full(17, 0.7)], -1)] * 3)[None].astype(np.float32)


def tiny_rtmo_onnx(path: Path) -> Path:
    nodes = [
        helper.make_node("ReduceMean", ["input"], ["mean"], keepdims=1),
        helper.make_node("Mul", ["mean", "zero"], ["nothing"]),
        helper.make_node("Reshape", ["nothing", "shape3"], ["n3"]),
        helper.make_node("Reshape", ["nothing", "shape4"], ["n4"]),
        helper.make_node("Add", ["dets_c", "n3"], ["dets"]),
        helper.make_node("Add", ["kpts_c", "n4"], ["keypoints"]),
    ]
    inits = [
        helper.make_tensor("zero", TensorProto.FLOAT, [], [0.0]),
        helper.make_tensor("shape3", TensorProto.INT64, [3], [1, 1, 1]),
        helper.make_tensor("shape4", TensorProto.INT64, [4], [1, 1, 1, 1]),
        helper.make_tensor("dets_c", TensorProto.FLOAT, DETS.shape, DETS.ravel()),
        helper.make_tensor("kpts_c", TensorProto.FLOAT, KPTS.shape, KPTS.ravel()),
    ]
    graph = helper.make_graph(
        nodes, "rtmo_stand_in",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 640, 640])],
        [helper.make_tensor_value_info("dets", TensorProto.FLOAT, [1, 3, 5]),
         helper.make_tensor_value_info("keypoints", TensorProto.FLOAT, [1, 3, 17, 3])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return path


@pytest.mark.parametrize("max_side", [None, 160])
def test_onnx_backend_maps_letterboxed_output_to_original_pixels(tmp_path, max_side):
    model = tiny_rtmo_onnx(tmp_path / "rtmo.onnx")
    video = write_video(tmp_path / "v.avi")  # 160x120: letterbox ratio 4 at full size
    decoder = VideoDecoder(video, max_side=max_side, batch=3)
    backend = make_backend(options(backend="onnx", model=str(model), device="cpu"))
    people = backend(next(iter(decoder)), decoder.info.width, decoder.info.height)
    assert len(people) == 3
    for p in people:
        assert len(p) == 1  # the duplicate is suppressed, the 0.2 box is under the threshold
        assert p.boxes[0].tolist() == pytest.approx([16, 8, 48, 72])
        assert p.keypoints[0, 4].tolist() == pytest.approx([(64 + 28) / 4, (32 + 60) / 4])
        assert p.keypoint_scores[0].tolist() == pytest.approx([0.7] * 17)
    assert backend.settings()["model"] != str(model)  # the file's digest, not its path


# Boxes of the two people in ntu_sample.avi, taken by eye from frames 0, 36 and 71 (pixels of the
# 1920x1080 video): the man in the striped T-shirt on the left and the man in the dark jacket.
STRIPED = {0: [650, 275, 905, 925], 36: [680, 275, 1065, 925], 71: [680, 290, 1045, 925]}
JACKET = {0: [915, 240, 1130, 875], 36: [890, 240, 1105, 875], 71: [835, 245, 1055, 885]}
MARGIN = 25


def inside(points: np.ndarray, box: list[float]) -> np.ndarray:
    x1, y1, x2, y2 = box
    return (points[:, 0] >= x1 - MARGIN) & (points[:, 0] <= x2 + MARGIN) & (points[:, 1] >= y1 - MARGIN) & (points[:, 1] <= y2 + MARGIN)


@pytest.mark.slow
@pytest.mark.samples
def test_mediapipe_with_tracking_follows_both_people_of_ntu_sample(samples_dir):
    decoder = VideoDecoder(samples_dir / "videos" / "ntu_sample.avi", max_side=640, batch=16)
    backend = make_backend(options(backend="mediapipe"))
    per_frame = []
    for b in decoder:
        per_frame += list(zip(b.indices.tolist(), backend(b, decoder.info.width, decoder.info.height)))
    tracks = track_persons(per_frame, max_persons=2)
    ids = sorted(set(tracks.track_id.tolist()))
    assert ids == [0, 1]
    for track in ids:
        assert (tracks.track_id == track).sum() >= 0.8 * 72  # each person is seen in most frames
    owners = {}
    for track in ids:
        rows = np.flatnonzero((tracks.track_id == track) & (tracks.frame_idx == 0))
        points = tracks.keypoints[rows[0]][tracks.keypoint_scores[rows[0]] > 0.5]
        owners[track] = STRIPED if inside(points, STRIPED[0]).mean() > inside(points, JACKET[0]).mean() else JACKET
    assert owners[0] is not owners[1]  # one track per person
    for track, boxes in owners.items():
        for frame, box in boxes.items():
            rows = np.flatnonzero((tracks.track_id == track) & (tracks.frame_idx == frame))
            assert len(rows) == 1, f"track {track} missing at frame {frame}"
            points = tracks.keypoints[rows[0]][tracks.keypoint_scores[rows[0]] > 0.5]
            assert len(points) >= 8 and inside(points, box).mean() >= 0.9, f"track {track} frame {frame}"


@pytest.mark.slow
@pytest.mark.samples
def test_rtmo_with_random_weights_runs_end_to_end_into_a_valid_table(samples_dir):
    decoder = VideoDecoder(samples_dir / "videos" / "ntu_sample.avi", stride=36, max_side=320, batch=2)
    backend = make_backend(options(backend="rtmo", device="cpu", score_threshold=0.0, max_people=2))
    per_frame = []
    for b in decoder:
        people = backend(b, decoder.info.width, decoder.info.height)
        assert len(people) == len(b)
        per_frame += list(zip(b.indices.tolist(), people))
    assert [f for f, _ in per_frame] == [0, 36]
    tracks = track_persons(per_frame, max_persons=2, high_score=0.0, min_hits=1)
    table = frames_table("ntu_sample", tracks)
    validate_table(table, "frames")
    assert 1 <= table.num_rows <= 4
    assert np.asarray(tracks.keypoints).shape == (table.num_rows, 17, 2)
    assert (tracks.boxes[:, [0, 2]] <= 1920).all() and (tracks.boxes[:, [1, 3]] <= 1080).all()


def test_rtmpose_backend_names_its_missing_model_and_a_box_source_that_cannot_find_persons(tmp_path):
    with pytest.raises(ValueError, match="pose.checkpoint"):
        make_backend(options(backend="rtmpose"))
    with pytest.raises(FileNotFoundError, match="train_pose"):
        make_backend(options(backend="rtmpose", checkpoint=str(tmp_path)))
    (tmp_path / "model.pth").write_bytes(b"")
    with pytest.raises(FileNotFoundError, match="config.py"):
        make_backend(options(backend="rtmpose", checkpoint=str(tmp_path)))
    (tmp_path / "config.py").write_text("model = dict()\n")
    with pytest.raises(ValueError, match="pose.boxes"):
        make_backend(options(backend="rtmpose", checkpoint=str(tmp_path / "model.pth"), boxes="rtmpose"))
