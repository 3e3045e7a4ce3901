"""Command-line options generated from a Config dataclass (never declared a second time by hand).

Every field becomes ``--field-name``: booleans a ``--x/--no-x`` pair, tuples of strings a repeatable
option, paths are taken relative to the current folder, and nested values (lists of mappings, mappings)
are given as YAML text, e.g. ``--sources '[{kind: table, path: seqs.tsv}]'``. An option that is not given
leaves the config file's value (or the field's default) alone.
"""

from __future__ import annotations

import inspect
import typing
from dataclasses import Field, asdict, is_dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from rnainteract_builder.contract.errors import InputError, yaml_problem
from rnainteract_builder.pipeline.sections import config_fields, describe, field_default

#: Help text of a Config field: ``field(default=..., metadata=HELP("..."))``.
HELP_KEY = "help"


def HELP(text: str) -> dict[str, str]:  # noqa: N802 - reads like a keyword in field(metadata=HELP(...))
    return {HELP_KEY: text}


def option_name(field_name: str) -> str:
    return "--" + field_name.replace("_", "-")


def _base(tp: Any) -> Any:
    """The type without ``None``."""
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    return args[0] if typing.get_origin(tp) in (typing.Union, type(int | None)) and len(args) == 1 else tp


def _cli_type(tp: Any) -> tuple[Any, str]:
    """(the option's Python type, how its text is read: 'plain' | 'path' | 'list' | 'yaml')."""
    base = _base(tp)
    origin, args = typing.get_origin(base), typing.get_args(base)
    if base in (bool, int, float, str):
        return base, "plain"
    if base is Path:
        return Path, "path"
    if origin is typing.Literal:
        return str, "plain"
    if origin in (tuple, list) and args and (args[0] is str or typing.get_origin(args[0]) is typing.Literal):
        return list[str], "list"
    return str, "yaml"


def _help(f: Field[Any], tp: Any, kind: str) -> str:
    text = f.metadata.get(HELP_KEY, "")
    default = field_default(f)
    accepted = f"YAML: {describe(tp)}" if kind == "yaml" else describe(tp)
    if is_dataclass(default):
        default = asdict(default)
    elif isinstance(default, bool):
        default = str(default).lower()  # as YAML writes it
    shown = "" if default is None or default == () or default == {} else f"; default {default}"
    return f"{text} ({accepted}{shown})".strip()


def config_parameters(cls: type, skip: tuple[str, ...] = ()) -> list[inspect.Parameter]:
    """One keyword parameter per Config field (but ``skip``), annotated for Typer, default None (= not given)."""
    params = []
    for f, tp in config_fields(cls):
        if f.name in skip:
            continue
        cli_type, kind = _cli_type(tp)
        name = option_name(f.name)
        decls = [f"{name}/--no-{f.name.replace('_', '-')}"] if cli_type is bool else [name]
        option = typer.Option(*decls, help=_help(f, tp, kind), show_default=False)
        annotation = Annotated[cli_type | None, option]  # type: ignore[valid-type]
        params.append(inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation))
    return params


def config_values(cls: type, given: dict[str, Any]) -> dict[str, Any]:
    """The options that were given, as config-section values (paths absolute, YAML parsed)."""
    import yaml

    values = {}
    for f, tp in config_fields(cls):
        value = given.get(f.name)
        if value is None:
            continue
        kind = _cli_type(tp)[1]
        if kind == "path":
            value = str(Path(value).resolve())
        elif kind == "list":
            value = list(value) or None
        elif kind == "yaml":
            try:
                value = yaml.safe_load(value)
            except yaml.YAMLError as err:
                raise InputError(f"{option_name(f.name)}: not valid YAML ({yaml_problem(err)})") from err
        values[f.name] = value
    return values
