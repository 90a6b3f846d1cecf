"""RTMPose (MMPose, top-down SimCC) trained on the COCO person-image shards."""
