"""WebDataset shards from image datasets: the reader interface (item), per-item work and its cache
(process, cache), deterministic tar records and shard files (tarball, writer, layout, assemble),
and what hand clips need (crop, handclip, mano, images, annotations)."""
