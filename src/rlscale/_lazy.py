"""Lazy package attributes (PEP 562): one owner for the ``__getattr__`` / ``__dir__`` pair that
keeps ``import rlscale`` and ``import rlscale.convert`` light."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any


def lazy_attributes(package: str, table: dict[str, str], names: list[str]
                    ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for *package*: each name of *table* is imported from the
    module it maps to on first use and then cached on the package; *names* is what ``dir()``
    lists."""

    def __getattr__(name: str) -> Any:
        module = table.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return names

    return __getattr__, __dir__
