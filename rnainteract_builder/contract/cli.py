"""Shared command-line plumbing: one clear error line and a non-zero exit on bad input, logs on stderr."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

import typer

from rnainteract_builder.contract.errors import InputError

#: Exit status for bad input (same as argparse / click usage errors).
EXIT_BAD_INPUT = 2


def new_app(help_text: str) -> typer.Typer:
    return typer.Typer(
        help=help_text,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )


def run(app: typer.Typer, prog: str, argv: Sequence[str] | None = None) -> int:
    """Run a Typer app; bad input becomes ``<prog>: error: <message>`` on stderr and exit status 2.

    Typer handles usage errors itself (message + exit 2); our own :class:`InputError` (bad files, rows,
    ids) and missing files are turned into one line here instead of a traceback.
    """
    logging.basicConfig(level=logging.INFO, format=f"{prog}: %(message)s", stream=sys.stderr)
    try:
        app(args=list(argv) if argv is not None else None, prog_name=prog)
    except SystemExit as stop:
        code = stop.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except (InputError, FileNotFoundError) as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0
