"""Option blocks shared by several readers (each reader's OPTIONS starts from these)."""

SHARDS = {"max_samples": 1000, "max_bytes": 256 * 1024 * 1024}

HAND_CLIPS = {
    "clip": {"length": 1, "stride": 1},
    "crop": {"scale": 1.5, "size": 256, "quality": 95},
    "image_margin": 0.0,
    "items_per_task": 16,
    "shards": SHARDS,
}

VIDEO = {
    "decode": {"stride": 1, "max_side": 640, "batch": 32},
    "pose": {
        "backend": "annotations",
        "config": None,
        "checkpoint": None,
        "model": None,
        "device": "auto",
        "batch_size": 8,
        "score_threshold": 0.3,
    },
    "tracking": {"max_age": 30, "match_iou": 0.3, "min_hits": 3},
    "max_persons": 2,
}
