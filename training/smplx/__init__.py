"""The SMPL-X stage: a ViT encoder with SMPL-X heads trained on COCO person crops."""
