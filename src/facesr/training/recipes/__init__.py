"""Training recipes: what one iteration of a family does (:class:`~.base.Recipe`); the loop around it is
:class:`facesr.training.engine.Trainer`.

A config names its recipe with ``recipe:``: a name (``recipe: sr``, the default) or a mapping of the name
and the recipe's options (``recipe: {type: landmarks, sigma: 1.0}``). Recipes are found by name, lazily: the
recipe ``NAME`` is the module ``facesr.training.recipes.NAME``, whose ``RECIPE`` is its class, so a new family
adds one module here and a config, and touches nothing else; ``package.module:Class`` names a recipe class
outside this package.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ...errors import ConfigError
from ..recipe_names import DEFAULT, recipe_names, split_recipe  # noqa: F401  (re-exported)

if TYPE_CHECKING:
    from .base import Recipe


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
