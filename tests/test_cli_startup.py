"""Start-up of the two commands: `--help` and `version`, and the `--help` of every model sub-command, import
none of the heavy libraries (torch, transformers, DuckDB, scikit-learn, accelerate, datasets), and each
lazily loaded sub-command's summary is its docstring's first line. (Time is not asserted; what is imported
decides it.)"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from rnainteract_builder.cli import COMMANDS as BUILDER_COMMANDS
from rpiembeddor_hf.cli import COMMANDS as MODEL_COMMANDS

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "transformers", "duckdb", "sklearn", "pyhmmer", "datasets", "accelerate")
PROBE = """
import sys
sys.argv[0] = {program!r}
from {module} import main
code = main({args!r})
heavy = sorted(name for name in {heavy!r} if name in sys.modules)
print("HEAVY", heavy, "CODE", code)
"""


@pytest.mark.parametrize(
    ("program", "module", "args"),
    [
        ("rnainteract", "rnainteract_builder.cli", ["--help"]),
        ("rnainteract", "rnainteract_builder.cli", ["version"]),
        ("rpiembeddor", "rpiembeddor_hf.cli", ["--help"]),
        ("rpiembeddor", "rpiembeddor_hf.cli", ["version"]),
        *(("rpiembeddor", "rpiembeddor_hf.cli", [name, "--help"]) for name in sorted(MODEL_COMMANDS)),
    ],
)
def test_help_and_version_import_no_heavy_library(program, module, args):
    code = PROBE.format(program=program, module=module, args=args, heavy=HEAVY)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert "HEAVY [] CODE 0" in done.stdout, done.stdout[-500:]


@pytest.mark.parametrize("name", sorted(BUILDER_COMMANDS) + sorted(MODEL_COMMANDS))
def test_lazy_summary_is_the_docstring_first_line(name):
    command = BUILDER_COMMANDS.get(name) or MODEL_COMMANDS[name]
    module, attribute = command.target.split(":")
    target = getattr(importlib.import_module(module), attribute)
    doc = target().info.help if command.group else target.__doc__
    assert command.summary == doc.strip().splitlines()[0]


def test_benchmark_help_shows_the_harness_defaults():
    from rpiembeddor_hf.benchmark import defaults, harness

    assert harness.BenchmarkConfig.__dataclass_fields__["methods"].default is defaults.DEFAULT_METHODS
    assert harness.BenchmarkConfig.__dataclass_fields__["schemes"].default is defaults.DEFAULT_SCHEMES
