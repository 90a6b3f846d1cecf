"""Option blocks shared by several readers (each reader's OPTIONS starts from these)."""

SHARDS = {"max_samples": 1000, "max_bytes": 256 * 1024 * 1024}

HAND_CLIPS = {
    "clip": {"length": 1, "stride": 1},
    "crop": {"scale": 1.5, "size": 256, "quality": 95},
    "image_margin": 0.0,
    "mano_model_dir": None,
    "shards": SHARDS,
}

# Video -> skeleton tables. decode: every `stride`-th frame, longer side shrunk to `max_side`,
# `batch` frames at a time; a file with more than `truncation_tolerance` of its declared frames
# missing is truncated. pose: the backend (annotations | mediapipe | rtmo | onnx) and its files
# (`config` + `checkpoint` for rtmo, `model` for onnx, `annotations` the per-video file pattern),
# `device` auto | cpu | cuda, at most `max_people` persons a frame scoring `score_threshold`.
# tracking: ByteTrack thresholds; `max_persons` tracks per clip are kept.
VIDEO = {
    "decode": {"stride": 1, "max_side": 640, "batch": 32, "truncation_tolerance": 0.01},
    "pose": {
        "backend": "annotations",
        "config": None,
        "checkpoint": None,
        "model": None,
        "annotations": "{stem}.pose.json",
        "device": "auto",
        "batch_size": 8,
        "score_threshold": 0.3,
        "max_people": 4,
        "boxes": "annotations",
        "box_config": None,
        "box_checkpoint": None,
        "box_model": None,
    },
    "tracking": {"high_score": 0.5, "low_score": 0.1, "match_iou": 0.3, "max_age": 30, "min_hits": 3},
    "max_persons": 2,
    "export": {"mmaction": True},
}
