"""The dataset build as a Snakemake workflow: the same stages, from the same YAML config, with ``annotate``
and ``embed`` split into independent jobs (for a SLURM cluster or many local cores).

``Snakefile`` is the workflow, ``plan`` turns a build config into what its rules need, ``steps`` is the
command each job runs and ``command`` is ``rnainteract workflow``. Snakemake is an optional dependency
(``pip install 'rnainteract[workflow]'``); nothing here imports it.
"""

from pathlib import Path

#: The packaged workflow and profiles (``profiles/<name>/config.yaml``).
SNAKEFILE = Path(__file__).with_name("Snakefile")
PROFILES_DIR = Path(__file__).with_name("profiles")
