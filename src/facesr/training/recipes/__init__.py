"""Training recipes: what one iteration of a family does (:class:`~.base.Recipe`); the loop around it is
:class:`facesr.training.engine.Trainer`.

A config names its recipe with ``recipe:``: a name (``recipe: sr``, the default) or a mapping of the name
and the recipe's options (``recipe: {type: landmarks, sigma: 1.0}``). Recipes are found by name, lazily: the
recipe ``NAME`` is the module ``facesr.training.recipes.NAME``, whose ``RECIPE`` is its class, so a new family
adds one module here and a config, and touches nothing else; ``package.module:Class`` names a recipe class
outside this package.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from typing import TYPE_CHECKING, Any

from ...errors import ConfigError

if TYPE_CHECKING:
    from .base import Recipe

#: the recipe of a config without ``recipe:``
DEFAULT = "sr"
_NOT_RECIPES = frozenset({"base"})


def recipe_names() -> list[str]:
    """The recipes of this package (module names, without importing them)."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__)
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


def recipe_class(name: str) -> type[Recipe]:
    """The class of recipe ``name`` (a module of this package, or ``package.module:Class``)."""
    if ":" in name:
        module, _, attr = name.partition(":")
    else:
        module, attr = f"{__name__}.{name}", "RECIPE"
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"recipe {name!r} cannot be loaded ({type(exc).__name__}: {exc})") from None


def build_recipe(trainer: Any) -> Recipe:
    """The recipe ``trainer.cfg`` names, built for ``trainer`` (the loop)."""
    name, options = split_recipe(trainer.cfg.recipe)
    return recipe_class(name)(trainer, options)
