"""The one owner of how rlscale writes numbers and user strings for people.

Number formatters (every table, sentence and report cell uses one of these, so a value reads the
same everywhere) and :func:`inert`, which makes a user-supplied string (a curve id, a file name, a
note) safe to print through rich: no markup is interpreted and no control character reaches the
terminal. Pure Python; rich is imported only by :func:`inert` when markup needs escaping.
"""

from __future__ import annotations

import math
from typing import Any

DASH = "—"   # an absent value (None, nan, inf) in a table cell


def _finite(x: Any) -> bool:
    """A finite real number (numpy scalars included; booleans and strings are not numbers)."""
    if x is None or isinstance(x, (bool, str, bytes)):
        return False
    try:
        return math.isfinite(x)
    except (TypeError, ValueError, OverflowError):
        return False


def sig(x: Any, digits: int = 4, *, missing: str = DASH) -> str:
    """*x* with *digits* significant figures (``%g`` style); *missing* for None, nan and inf."""
    if not _finite(x):
        return missing
    return f"{x:.{digits}g}"


def plain(x: Any) -> str:
    """Shortest ``%g`` form of a number as stored in a table (empty for a missing value)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return f"{x:g}"


def multiplier(x: float) -> str:
    """A compute multiplier for people: ``3.16``, ``100``, ``31,623``, ``1e+12``; n/a if not finite."""
    if not _finite(x):
        return "n/a"
    if x < 1000:
        return f"{x:.3g}"
    if x < 1e7:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def quantity(x: Any) -> str:
    """A physical quantity in a cost table: ``0.55``, ``1,234``, ``2.5e+25``; ``-`` for None.

    Strings pass through unchanged (a cell that is already text).
    """
    if x is None:
        return "-"
    if isinstance(x, str):
        return x
    if x == 0 or not math.isfinite(x):
        return str(x)
    if abs(x) >= 1e6 or abs(x) < 1e-3:
        return f"{x:.3g}"
    return f"{x:,.4g}" if abs(x) < 1000 else f"{x:,.0f}"


def score(x: float, score_scale: str = "unit", digits: int = 3) -> str:
    """A score in the user's scale: ``0.470`` for unit data, ``47.0%`` for percent data."""
    if not _finite(x):
        return DASH
    if score_scale == "percent":
        return f"{100 * x:.{max(digits - 2, 1)}f}%"
    return f"{x:.{digits}f}"


def readable(x: float) -> str:
    """A number in a sentence: 3 significant figures, ``1,230`` with commas below 1e6,
    ``4.8e5`` style (2 figures) from 1e6 and below 1e-3; zero and non-finite as ``str(x)``."""
    if x == 0 or not math.isfinite(x):
        return str(x)
    if abs(x) >= 1e6 or abs(x) < 1e-3:
        mant, exp = f"{x:.1e}".split("e")
        return f"{mant}e{int(exp)}"
    if abs(x) >= 100:
        digits_ = 3 - int(math.floor(math.log10(abs(x)))) - 1
        return f"{round(x, digits_):,.0f}"
    return f"{x:.3g}"


def value(x: Any, digits: int = 4) -> str:
    """An assumption's value as given: a float with *digits* significant figures (``nan`` and
    ``inf`` as such), anything else (an int, a string) as ``str(x)``."""
    return f"{x:.{digits}g}" if isinstance(x, float) else str(x)


def estimate(est: Any, scale: float = 1.0, digits: int = 2) -> str:
    """An estimate dict (``value``, ``ci_low``, ``ci_high``) times *scale* with *digits* decimals:
    ``0.55 [0.41, 0.70]``, the interval left out when absent; ``n/a`` without a value."""
    if not isinstance(est, dict) or est.get("value") is None:
        return "n/a"
    text = f"{est['value'] * scale:.{digits}f}"
    lo, hi = est.get("ci_low"), est.get("ci_high")
    if lo is not None and hi is not None:
        text += f" [{lo * scale:.{digits}f}, {hi * scale:.{digits}f}]"
    return text


def sig_estimate(est: Any, unit: str = "", *, missing: str = "n/a",
                 no_interval: str = "no interval", digits: int = 3) -> str:
    """An estimate dict (``value``, ``ci_low``, ``ci_high``) in significant figures, for text:
    ``0.476 [0.323, 0.639]``, ``2.17 [no interval]`` when an end is missing, *missing* without
    a value; *unit* follows the value (``1.01x [0.75, 1.33]``)."""
    if not isinstance(est, dict) or est.get("value") is None:
        return missing
    lo, hi = est.get("ci_low"), est.get("ci_high")
    ci = (f"[{sig(lo, digits)}, {sig(hi, digits)}]" if lo is not None and hi is not None
          else f"[{no_interval}]")
    return f"{sig(est['value'], digits)}{unit} {ci}"


def compact(x: Any) -> str:
    """A report cell: 3 significant figures, thousands separators from 100, ``1.2e+24`` from
    1e7 and below 1e-3; empty for None and non-finite values."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return ""
    x = float(x)
    if x == 0:
        return "0"
    if abs(x) >= 1e7 or abs(x) < 1e-3:
        return f"{x:.3g}"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def compact_multiplier(x: Any) -> str:
    """:func:`compact` as a multiplier, ``3.16x`` or ``10,000x``; ``n/a`` when missing."""
    text = compact(x)
    return f"{text}x" if text else "n/a"


def percent(x: Any) -> str:
    """A fraction as a percentage: 0.66 -> ``66%``, 0.055 -> ``5.5%``; empty for None."""
    if x is None:
        return ""
    v = 100 * float(x)
    return f"{v:.0f}%" if abs(v - round(v)) < 0.05 or abs(v) >= 10 else f"{v:.1f}%"


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def power_of_ten(x: float, _pos: Any = None) -> str:
    """An axis tick ``10⁵`` in Unicode superscripts (a matplotlib ``FuncFormatter``); empty for
    x <= 0."""
    if x <= 0:
        return ""
    return "10" + str(int(round(math.log10(x)))).translate(_SUPERSCRIPT)


def multiplier_tick(x: float, _pos: Any = None) -> str:
    """An axis tick for a multiplier: ``1x``, ``10x``, ``1,000x``, ``10⁵x``, ``0.5x``."""
    if x <= 0:
        return ""
    if x >= 1e5 or x < 1e-2:
        return power_of_ten(x) + "x"
    return f"{x:,.0f}x" if x >= 1 else f"{x:g}x"


def _escape_controls(text: str) -> str:
    # ESC, NUL, CR, BEL, DEL, C1 codes, bidi overrides, ...: shown as \x1b, \x00, \r, \u202e
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def inert(text: Any) -> str:
    """*text* made safe to print through rich: literal markup, escaped control characters.

    ``"[/bold]"`` prints as ``[/bold]`` (not a markup error), ``"[link=http://x]"`` as itself (no
    hyperlink), ``"\\x1b]0;title\\x07"`` as ``\\x1b]0;title\\x07`` (no escape sequence reaches
    the terminal). Pass the result to rich as markup; emoji codes are left to the console (the
    CLI's consoles have ``emoji=False``).

    >>> inert("a[/bold]\\x1b")
    'a\\\\[/bold]\\\\x1b'
    """
    text = _escape_controls(str(text))
    if "[" not in text and not text.endswith("\\"):
        return text
    from rich.markup import escape

    return escape(text)


def printable(text: Any) -> str:
    """*text* with control characters escaped, for plain (non-rich) output such as an error line."""
    return _escape_controls(str(text))


__all__ = ["DASH", "compact", "compact_multiplier", "estimate", "inert", "multiplier", "multiplier_tick", "plain", "power_of_ten",
           "percent", "printable", "quantity", "readable", "score", "sig", "value"]
