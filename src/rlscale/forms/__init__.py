"""Curve forms: a registry of pure, vectorised functions of log10(compute).

>>> from rlscale.forms import FORMS
>>> sorted(FORMS)
['exp_powerlaw', 'logistic', 'loglinear', 'powerlaw', 'scalerl']
>>> float(FORMS["loglinear"].func(2.0, 0.2, 0.15))
0.5

See ``docs/methods.md`` for the definitions and their sources.
"""

from __future__ import annotations

from rlscale.forms._registry import FORMS, Form, register_form
from rlscale.forms import library as _library  # noqa: F401  (registers the built-in forms)

__all__ = ["FORMS", "Form", "register_form", "get_form"]


def get_form(name: str) -> Form:
    """Look up a registered form; unknown names raise :class:`~rlscale.errors.RlscaleError`."""
    from rlscale.errors import RlscaleError

    try:
        return FORMS[name]
    except KeyError:
        raise RlscaleError(
            f"unknown form '{name}': choose one of {', '.join(sorted(FORMS))} or 'auto'") from None
