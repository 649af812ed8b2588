"""The names of the training recipes (the modules of :mod:`facesr.training.recipes`) and the parsing of a
config's ``recipe:`` value, without importing any recipe (the config loader checks names with it)."""

from __future__ import annotations

import difflib
import pkgutil
from pathlib import Path
from typing import Any

from ..errors import ConfigError

#: the folder of the recipe modules
RECIPES = Path(__file__).with_name("recipes")

#: the recipe of a config without ``recipe:``
DEFAULT = "sr"
_NOT_RECIPES = frozenset({"base"})


def recipe_names() -> list[str]:
    """The recipes of this package (module names, without importing them)."""
    return sorted(m.name for m in pkgutil.iter_modules([str(RECIPES)])
                  if not m.name.startswith("_") and m.name not in _NOT_RECIPES)


def split_recipe(value: Any) -> tuple[str, dict[str, Any]]:
    """A config's ``recipe`` value as ``(name, options)``; a one-line :class:`ConfigError` for a value that
    is neither a name nor a mapping with ``type``, or a name that no recipe has."""
    if isinstance(value, dict):
        options = {str(k): v for k, v in value.items() if k != "type"}
        value = value.get("type")
    else:
        options = {}
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"recipe must be a recipe name ({', '.join(recipe_names())}) or a mapping of 'type' "
                          f"and the recipe's options, got {value!r}")
    if ":" not in value and value not in recipe_names():
        close = difflib.get_close_matches(value, recipe_names(), n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConfigError(f"unknown recipe {value!r}{hint} (known: {', '.join(recipe_names())})")
    return value, options
