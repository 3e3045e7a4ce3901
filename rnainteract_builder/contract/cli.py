"""Shared command-line plumbing: one clear error line and a non-zero exit on bad input, logs on stderr, and
sub-commands imported only when they run.

A sub-command's module may import torch, transformers or DuckDB; importing all of them to print ``--help``
cost seconds. :class:`LazyCommand` names a command by ``module:attribute`` with its one-line summary, and
the group imports the module only when that command is invoked (or its own ``--help`` is asked for).
``tests/test_cli_startup.py`` keeps each summary equal to the first line of the command's docstring.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import typer
import typer.main
from typer.core import TyperGroup

from rnainteract_builder.contract.errors import InputError

#: Exit status for bad input (same as argparse / click usage errors).
EXIT_BAD_INPUT = 2
#: Typer's usage-error class (Typer vendors its own Click; the class is public only through its subclasses).
USAGE_ERROR = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")


@dataclass(frozen=True)
class LazyCommand:
    """A sub-command imported on first use."""

    #: ``package.module:attribute``: a command function, or (``group=True``) a function returning a Typer app.
    target: str
    #: The one line ``--help`` of the parent shows (the first line of the command's docstring).
    summary: str
    group: bool = False
    context_settings: Mapping[str, Any] = field(default_factory=dict)

    def load(self, name: str) -> Any:
        module, attribute = self.target.split(":")
        obj = getattr(importlib.import_module(module), attribute)
        if self.group:
            command = typer.main.get_command(obj())
        else:
            single = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)
            single.command(name, context_settings=dict(self.context_settings))(obj)
            command = typer.main.get_command(single)
        command.name = name
        return command


class LazyGroup(TyperGroup):
    """A Typer group whose :class:`LazyCommand` entries are imported when invoked, not when listed."""

    lazy: ClassVar[Mapping[str, LazyCommand]] = {}
    #: Called once after a lazy command's module is imported (e.g. to register Auto classes).
    on_load: ClassVar[Callable[[], None] | None] = None

    def list_commands(self, ctx: Any) -> list[str]:
        return [*self.commands, *(name for name in self.lazy if name not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            self.commands[cmd_name] = self.lazy[cmd_name].load(cmd_name)
            if type(self).on_load is not None:
                type(self).on_load()
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max((len(n) for n in names), default=0)
        rows = [
            (name, self.commands[name].get_short_help_str(limit) if name in self.commands
             else _shorten(self.lazy[name].summary, limit))
            for name in names
        ]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 3)].rsplit(" ", 1)[0] + "..."


def new_app(
    help_text: str,
    lazy: Mapping[str, LazyCommand] | None = None,
    on_load: Callable[[], None] | None = None,
) -> typer.Typer:
    group = type("LazyCommands", (LazyGroup,), {"lazy": dict(lazy or {}), "on_load": staticmethod(on_load)
                                                if on_load else None})
    return typer.Typer(
        cls=group,
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
