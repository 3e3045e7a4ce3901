"""Shared command-line plumbing: one clear error line and a non-zero exit on bad input, logs on stderr."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence

import typer

from rnainteract_builder.contract.errors import InputError

#: Exit status for bad input (same as argparse / click usage errors).
EXIT_BAD_INPUT = 2
#: Typer's usage-error class (Typer vendors its own Click; the class is public only through its subclasses).
USAGE_ERROR = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")


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

    Usage errors (unknown command or option, a bad option value), our own :class:`InputError` (bad files,
    rows, ids) and missing files all end as that one line, never a usage block or a traceback.
    """
    logging.basicConfig(level=logging.INFO, format=f"{prog}: %(message)s", stream=sys.stderr)
    try:
        code = app(args=list(argv) if argv is not None else None, prog_name=prog, standalone_mode=False)
    except SystemExit as stop:
        code = stop.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except USAGE_ERROR as err:
        if type(err).__name__ == "NoArgsIsHelpError":  # a bare group: its help, as `--help` would show it
            return _show_help(err.ctx.get_help())
        command = err.ctx.command_path if err.ctx is not None else prog
        return _fail(prog, f"{err.format_message()} (see `{command} --help`)")
    except typer.Abort:
        return _fail(prog, "interrupted")
    except (InputError, FileNotFoundError) as err:
        return _fail(prog, str(err))
    except BrokenPipeError:
        return _reader_left()
    return code if isinstance(code, int) else 0


def _fail(prog: str, message: str) -> int:
    # One line, whatever the message holds: a library's multi-line text is folded, never printed raw.
    message = " ".join(line.strip() for line in message.splitlines() if line.strip())
    print(f"{prog}: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _show_help(text: str) -> int:
    try:
        print(text)
    except BrokenPipeError:
        return _reader_left()
    return EXIT_BAD_INPUT


def _reader_left() -> int:
    """``... | head``: the reader closed the pipe; not an error of ours, and no traceback at exit."""
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - stdout must stay open until the interpreter exits
    return 0
