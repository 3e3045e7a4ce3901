"""Package attributes loaded on first use (PEP 562), so listing a command's options imports no heavy module."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_getattr(package: str, public: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``public[name]`` (the defining module) when ``name`` is first used."""

    def __getattr__(name: str) -> Any:  # noqa: N807  (the module hook's required name)
        if name in public:
            return getattr(importlib.import_module(public[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
