"""Which sample layout a shard holds: the manifest says so; without one, the members tell."""

from __future__ import annotations

from typing import Iterable

from schemas.shards import HAND_ARRAYS, HAND_CLIP, PERSON_IMAGE

_HAND_MEMBERS = {f"{name}.npy" for name in HAND_ARRAYS}


def guess_kind(extensions: Iterable[str]) -> str | None:
    """The layout whose members these are (from one sample), or None when neither fits."""
    present = set(extensions)
    if present & _HAND_MEMBERS:
        return HAND_CLIP
    if {"jpg", "json"} <= present:
        return PERSON_IMAGE
    return None
