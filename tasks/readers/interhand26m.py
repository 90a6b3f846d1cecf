"""InterHand2.6M (data/camera/joint_3d/MANO JSON) -> hand-clip shards."""

from tasks.readers import options

OUTPUT = "shards"
OPTIONS = {
    "annotations": "annotations/{split}/InterHand2.6M_{split}_{part}.json",
    "images": "images/{split}",
    "hand_types": ["right", "left", "interacting"],
    **options.HAND_CLIPS,
}
