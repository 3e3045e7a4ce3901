"""Per-residue embeddings of unique sequences: embedders (RNA-FM, ESM-2, one-hot, random), token-budget
batching, and the resumable, shardable ``rnainteract embed`` stage."""
