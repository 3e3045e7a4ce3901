"""External command-line tools (Debian packages) and the one error a missing tool gives.

Infernal (``cmscan``, ``cmbuild``, ``cmcalibrate``, ``cmpress``), HMMER, MMseqs2 and CD-HIT are not Python
packages: ``make test`` / ``make demo`` install them with apt-get when run as root, and
``scripts/install_tools.sh`` says what is missing otherwise. Code that calls one asks :func:`require_tool`
first, so a missing program is one line naming the program and the command that installs it.
"""

from __future__ import annotations

import shutil

from rnainteract_builder.contract.errors import InputError

#: program -> Debian / Ubuntu package that provides it.
DEBIAN_PACKAGES = {
    "cmscan": "infernal",
    "cmbuild": "infernal",
    "cmcalibrate": "infernal",
    "cmpress": "infernal",
    "hmmbuild": "hmmer",
    "hmmpress": "hmmer",
    "mmseqs": "mmseqs2",
    "cd-hit": "cd-hit",
    "cd-hit-est": "cd-hit",
}


class MissingToolError(InputError):
    """A required external program is not on PATH."""

    def __init__(self, program: str) -> None:
        package = DEBIAN_PACKAGES.get(program, program)
        super().__init__(
            f"{program} not found on PATH; install it with `apt-get install {package}` "
            f"(Debian/Ubuntu, as root) or `bash scripts/install_tools.sh`"
        )
        self.program = program


def require_tool(program: str) -> str:
    """The full path of ``program``; :class:`MissingToolError` when it is not installed."""
    path = shutil.which(program)
    if path is None:
        raise MissingToolError(program)
    return path
