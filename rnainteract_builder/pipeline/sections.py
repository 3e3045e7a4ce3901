"""A stage's config section (YAML or CLI values) -> its Config dataclass.

The allowed keys are the Config's fields and their types are its annotations, so a key cannot be
accepted in one place and forgotten in another. ``null`` (or an absent key) means the field's default.
A bad key or value raises one :class:`InputError` line naming ``stage.key``.
"""

from __future__ import annotations

import os
import types
import typing
from collections.abc import Mapping
from dataclasses import MISSING, Field, fields, is_dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar, Union

from rnainteract_builder.contract.errors import InputError

T = TypeVar("T")


def config_fields(cls: type) -> list[tuple[Field[Any], Any]]:
    """The settable fields of a Config dataclass with their resolved types."""
    hints = typing.get_type_hints(cls)
    return [(f, hints[f.name]) for f in fields(cls) if f.init]


def field_default(f: Field[Any]) -> Any:
    if f.default is not MISSING:
        return f.default
    if f.default_factory is not MISSING:
        return f.default_factory()
    return None


def parse_section(where: str, cls: type[T], section: Any) -> T:
    """Check ``section`` against the fields of ``cls`` and build it (values converted to the field types)."""
    if section is None:
        section = {}
    if not isinstance(section, Mapping):
        raise InputError(f"{where} must be a mapping of keys, not {type(section).__name__}")
    known = config_fields(cls)
    allowed = [f.name for f, _ in known]
    unknown = sorted(str(k) for k in section if k not in allowed)
    if unknown:
        raise InputError(
            f"unknown key{'s' if len(unknown) > 1 else ''} in {where!r}: {', '.join(unknown)} "
            f"(allowed: {', '.join(allowed)})"
        )
    kwargs = {
        f.name: convert(section[f.name], tp, f"{where}.{f.name}")
        for f, tp in known
        if section.get(f.name) is not None
    }
    try:
        return cls(**kwargs)
    except (InputError, TypeError, ValueError) as err:  # the Config's own value checks
        message = str(err)
        raise InputError(message if message.startswith(where) else f"{where}: {message}") from err


def describe(tp: Any) -> str:
    """A reader's name for a field type (used in error lines and in ``--help``)."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is Literal:
        return " | ".join(str(a) for a in args)
    if origin in (Union, types.UnionType):
        return " or ".join(describe(a) for a in args if a is not type(None))
    if origin in (tuple, list):
        return f"list of {describe(args[0])}" if args else "list"
    if origin in (dict, Mapping) or tp is dict:
        return "mapping"
    if is_dataclass(tp):
        return f"mapping of {', '.join(f.name for f, _ in config_fields(tp))}"
    names = {bool: "true/false", int: "integer", float: "number", str: "string", Path: "path"}
    return names.get(tp, getattr(tp, "__name__", str(tp)))


def _bad(value: Any, tp: Any, where: str) -> InputError:
    return InputError(f"{where} must be {describe(tp)}, not {value!r}")


#: Per scalar type: which YAML values it accepts and how they are converted.
_SCALARS: dict[Any, tuple[Any, Any]] = {
    bool: (lambda v: isinstance(v, bool), bool),
    int: (lambda v: isinstance(v, int) and not isinstance(v, bool), int),
    float: (lambda v: isinstance(v, int | float) and not isinstance(v, bool), float),
    str: (lambda v: isinstance(v, str), str),
    Path: (lambda v: isinstance(v, str | os.PathLike), Path),
}


def _scalar(value: Any, tp: Any, where: str) -> Any:
    if tp is Any:
        return value
    if tp in _SCALARS:
        accepts, make = _SCALARS[tp]
        if accepts(value):
            return make(value)
    elif isinstance(tp, type) and isinstance(value, tp):
        return value
    raise _bad(value, tp, where)


def _union(value: Any, tp: Any, where: str) -> Any:
    options = [a for a in typing.get_args(tp) if a is not type(None)]
    if value is None:
        return None
    for option in options:
        try:
            return convert(value, option, where)
        except InputError:
            continue
    raise _bad(value, tp, where)


def convert(value: Any, tp: Any, where: str) -> Any:
    """``value`` as type ``tp`` (YAML lists become tuples where the field is a tuple), or InputError."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (Union, types.UnionType):
        return _union(value, tp, where)
    if origin is Literal:
        if value in args and not isinstance(value, bool):
            return value
        raise _bad(value, tp, where)
    if origin in (tuple, list):
        if not isinstance(value, list | tuple):
            raise _bad(value, tp, where)
        items = [convert(v, args[0], f"{where}[{i}]") for i, v in enumerate(value)] if args else list(value)
        return tuple(items) if origin is tuple else items
    if origin in (dict, Mapping) or tp is dict:
        if not isinstance(value, Mapping):
            raise _bad(value, tp, where)
        key_type, value_type = args if args else (Any, Any)
        return {convert(k, key_type, where): convert(v, value_type, f"{where}.{k}") for k, v in value.items()}
    if is_dataclass(tp) and isinstance(tp, type):
        return value if isinstance(value, tp) else parse_section(where, tp, value)
    return _scalar(value, tp, where)
