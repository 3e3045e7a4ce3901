"""``rpiembeddor train --config-file run.yaml``: hyper-parameters from a YAML file.

The keys are the names of :class:`~rpiembeddor_hf.training.config.TrainingConfig` fields and of the
architecture parameters of :class:`~rpiembeddor_hf.configuration_rpiembeddor.RPIembeddorConfig` (the same
names as the options, with ``_`` or ``-``), e.g.::

    epochs: 30
    learning_rate: 5.0e-4
    warmup_steps: 300
    d_model: 128
    pooling: mean

Options given on the command line win over the file; the file wins over the defaults. Unknown keys and
values of the wrong type are refused with one line naming the file and the key.
"""

from __future__ import annotations

import types
import typing
from pathlib import Path
from typing import Any

import yaml

from rnainteract_builder.contract.errors import InputError, yaml_problem


def read_settings(path: Path, allowed: dict[str, Any]) -> dict[str, Any]:
    """The settings in ``path`` (a YAML mapping), keyed by option name and converted to ``allowed[name]``."""
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise InputError(f"{path}: cannot read the config file ({err.strerror or err})") from None
    except yaml.YAMLError as err:
        raise InputError(f"{path}: not valid YAML ({yaml_problem(err)})") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise InputError(f"{path}: a config file is a mapping of setting: value, not {type(loaded).__name__}")
    settings = {}
    for key, value in loaded.items():
        name = str(key).replace("-", "_")
        if name not in allowed:
            known = ", ".join(sorted(allowed))
            raise InputError(f"{path}: unknown setting {key!r} (known: {known})")
        settings[name] = convert(value, allowed[name], f"{path}: {key}")
    return settings


def convert(value: Any, annotation: Any, where: str) -> Any:
    """``value`` as ``annotation`` (int, float, bool, str, Path or ``X | None``); YAML reads 1e-3 as text."""
    options = typing.get_args(annotation) if isinstance(annotation, types.UnionType) else (annotation,)
    if value is None:
        if type(None) in options:
            return None
        raise InputError(f"{where}: needs a value")
    kind = next(o for o in options if o is not type(None))
    if kind is bool:
        if isinstance(value, bool):
            return value
        raise InputError(f"{where}: must be true or false, not {value!r}")
    if kind in (int, float) and isinstance(value, bool):
        raise InputError(f"{where}: must be a number, not {value!r}")
    if kind is int and not (isinstance(value, int) or (isinstance(value, float) and value.is_integer())):
        raise InputError(f"{where}: must be a whole number, not {value!r}")
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise InputError(f"{where}: must be {kind.__name__}, not {value!r}") from None
