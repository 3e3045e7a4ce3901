"""The published contract of RNAInterAct: what the model package and the dataset card may import.

Everything here is light to import (no DuckDB, pyhmmer or HTTP clients at import time) and stable across
releases of the dataset:

* :mod:`.schema`          - column names, Arrow schemas and column descriptions of every table;
* :mod:`.pairs_folder`    - the one pairs-folder type (interactions + RNA + protein sequence tables);
* :mod:`.benchmark_sets`  - import of public RPI benchmark sets into a pairs folder (counted drops);
* :mod:`.benchmark_formats`, :mod:`.benchmark_files` - the benchmark file readers, format detection and
  folder discovery;
* :mod:`.tools`           - external programs (Infernal, HMMER, MMseqs2, CD-HIT) and the missing-tool error;
* :mod:`.pretrained`, :mod:`.digests` - real weight loaders (Hub mirror first) and SHA-256 pinning;
* :mod:`.sequences`       - normalisation, letter policy and content-hash ids;
* :mod:`.fasta`           - FASTA reading / deterministic writing;
* :mod:`.embedding_store` - the per-residue embedding store and pair join;
* :mod:`.embedders`       - the embedder interface, the registry and the length policy;
* :mod:`.batching`        - token-budget batching, padding and windows;
* :mod:`.clusters`        - sequence clusters (MMseqs2 / CD-HIT), shared by splits, folds and audits;
* :mod:`.io`              - atomic writes, SHA-256 of files, deterministic Parquet;
* :mod:`.report`          - the drop-by-reason report;
* :mod:`.templates`       - the Jinja2 environment of the dataset and model cards;
* :mod:`.errors`, :mod:`.cli` - the one error type and the CLI error handling.

The builder's stages import from here; this package never imports a stage.
"""
