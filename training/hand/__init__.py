"""The hand-mesh model: a ViT encoder and a MANO decoder trained on the hand-clip shards."""
