"""WebDataset shards from image datasets: one shard's work and what a rebuild keeps of it (process,
state), deterministic tar records and shard files (tarball, layout, assemble), the one tar
reader every shard is read back with (reading), and what hand clips need (crop, handclip, mano,
images, annotations)."""
