"""The params rules every mesh stage shares (ViT sizes, schedule, learning rate), so each stage's
`check` states only its own."""

from __future__ import annotations

from training.mesh.params import MeshParams


def vit_problems(params: MeshParams, sizes: tuple[str, ...]) -> list[str]:
    """What is wrong with the encoder, schedule and learning-rate keys; `sizes` must each be >= 1."""
    problems = [f"{name} is {getattr(params, name)}, expected >= 1" for name in sizes if getattr(params, name) < 1]
    if params.patch_size >= 1 and params.image_size % params.patch_size:
        problems.append(f"image_size {params.image_size} is not a multiple of patch_size {params.patch_size} "
                        "(Dinov2 would silently crop the rest)")
    if params.heads >= 1 and params.width % params.heads:
        problems.append(f"width {params.width} is not a multiple of heads {params.heads}")
    if not 0 <= params.warmup_iters < params.iters:
        problems.append(f"warmup_iters is {params.warmup_iters}, expected 0 <= warmup_iters < iters ({params.iters})")
    if params.lr <= 0:
        problems.append(f"lr is {params.lr}, expected > 0")
    return problems
