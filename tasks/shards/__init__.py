"""WebDataset shards from image datasets: the reader interface (item), per-item work and its cache
(process, cache), deterministic tar records and shard files (tarball, layout, assemble), the one tar
reader every shard is read back with (reading), and what hand clips need (crop, handclip, mano,
images, annotations)."""
