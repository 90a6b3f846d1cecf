"""Pieces the mesh models (hand-mesh and SMPL-X) share: the params keys both have, their runner
config and trainer, the ViT encoder, 6D rotations, batched Procrustes, the kornia augmentation that
moves labels and intrinsics with the image, body-model loading, DVCLive logging and drawing."""
