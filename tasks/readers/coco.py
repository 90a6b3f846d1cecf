"""COCO person keypoints (+ optional NeuralAnnot SMPL-X) -> person-image shards."""

from tasks.readers import options

OUTPUT = "shards"
OPTIONS = {
    "annotations": "annotations/person_keypoints_{split}2017.json",
    "images": "{split}2017",
    "smplx_annotations": None,
    "require_keypoints": True,
    "shards": options.SHARDS,
}
