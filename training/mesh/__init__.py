"""Pieces the mesh models (hand-mesh now, SMPL-X next) share: the ViT encoder, 6D rotations, batched
Procrustes, the kornia augmentation that moves labels and intrinsics with the image, body-model loading."""
