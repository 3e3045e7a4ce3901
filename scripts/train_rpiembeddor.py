"""`accelerate launch` target: the same options as `rpiembeddor train` (including --config-file).

    accelerate launch --num_processes 4 scripts/train_rpiembeddor.py --data <split folder> \
        --rna-embeddings <rna.parquet> --protein-embeddings <protein.parquet> --out runs/rpiembeddor --seeds 1 2 3

On a CPU-only machine, two processes: ACCELERATE_USE_CPU=1 accelerate launch --multi_gpu --num_processes 2 ...
(``--cpu --num_processes 2`` silently runs one process).
"""

import sys

from rpiembeddor_hf.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", *sys.argv[1:]]))
