"""The two-CPU-process ``accelerate launch`` command the multi-process tests run (no GPU needed)."""

from __future__ import annotations

import os
import sys


def two_cpu_processes(*target: str) -> list[str]:
    """``accelerate launch --multi_gpu --num_processes 2`` for ``target`` (a script, or ``-m module``).

    Run it with ``ACCELERATE_USE_CPU=1`` in the environment (``--cpu --num_processes 2`` silently runs one
    process). The port depends on the test process so parallel runs do not collide.
    """
    return [
        sys.executable, "-m", "accelerate.commands.launch",
        "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
        "--mixed_precision", "no", "--dynamo_backend", "no",
        "--main_process_port", str(29500 + os.getpid() % 1000),
        *target,
    ]  # fmt: skip
