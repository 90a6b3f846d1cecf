"""DexYCB (sequences, labels npz, meta.yml, intrinsics) -> hand-clip shards."""

from tasks.readers import options

OUTPUT = "shards"
OPTIONS = {
    "setup": "s0",
    **options.HAND_CLIPS,
}
