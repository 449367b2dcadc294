"""Write a report directory: figures (SVG + PNG), results.json, report.md, index.html.

The directory is built next to its destination under a temporary name and renamed into place
only when every file is written, so a failure never leaves a half-written report (and an older
report at the same path survives until the new one is complete).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rlscale.errors import RlscaleError
from rlscale.jsonable import clean_json

#: Files that mark a directory as an rlscale report (safe to replace).
REPORT_MARKERS = ("results.json", "index.html")
PX_PER_INCH = 96  # CSS pixels per inch: the size figures are shown at in the page




def results_to_json(results: dict) -> str:
    """``results.json`` text (strict JSON: no NaN)."""
    return json.dumps(clean_json(results), indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def check_destination(out_dir: str | os.PathLike) -> None:
    """Raise :class:`RlscaleError` unless *out_dir* may receive a report (called early by the
    CLI so a bad ``-o`` fails before any work)."""
    _check_destination(Path(out_dir).expanduser().absolute())


def _check_destination(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise RlscaleError(f"{out}: exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not any((out / m).exists() for m in REPORT_MARKERS):
        raise RlscaleError(f"{out}: directory is not empty and holds no rlscale report; "
                           "choose another -o DIR")


def render_figures(results: dict, directory: Path,
                   progress: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
    """Draw each figure the results support; save ``<name>.svg`` and ``<name>.png`` in *directory*.

    Returns one dict per figure (``name, title, caption, svg_base64, width, height``) for the page.
    """
    from rlscale.report.figures import figure_specs

    out = []
    for spec in figure_specs(results):
        if progress:
            progress(f"drawing {spec['name']}")
        fig = spec["draw"](results)
        svg_path = directory / f"{spec['name']}.svg"
        fig.savefig(svg_path, format="svg", metadata={"Date": None})
        fig.set_layout_engine("none")  # the layout is settled: don't solve it again for the PNG
        fig.savefig(directory / f"{spec['name']}.png", format="png")
        w, h = fig.get_size_inches()
        out.append({"name": spec["name"], "title": spec["title"], "caption": spec["caption"],
                    "svg_base64": base64.b64encode(svg_path.read_bytes()).decode("ascii"),
                    "width": round(w * PX_PER_INCH), "height": round(h * PX_PER_INCH)})
    return out


def write_report(results: dict, out_dir: str | os.PathLike,
                 progress: Callable[[str], None] | None = None) -> Path:
    """Write the full report for *results* into *out_dir*; return the path of ``index.html``.

    The page is rendered from the JSON text written to ``results.json`` (read back), so the
    report shows exactly the numbers saved beside it.

    Raises
    ------
    RlscaleError
        *out_dir* is a file, or a non-empty directory that is not an rlscale report.
    """
    from rlscale.report.html import render_html
    from rlscale.report.markdown import render_markdown

    out = Path(out_dir).expanduser().absolute()
    _check_destination(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    text = results_to_json(results)
    saved = json.loads(text)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; the report is an ordinary folder
    try:
        (tmp / "results.json").write_text(text, encoding="utf-8")
        figures = render_figures(saved, tmp, progress)
        if progress:
            progress("writing index.html and report.md")
        (tmp / "report.md").write_text(render_markdown(saved, figures), encoding="utf-8")
        (tmp / "index.html").write_text(render_html(saved, figures), encoding="utf-8")
        _swap_into_place(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out / "index.html"


def _swap_into_place(tmp: Path, out: Path) -> None:
    """Rename *tmp* to *out*; an existing report at *out* is removed only after the rename."""
    if not out.exists():
        os.rename(tmp, out)
        return
    backup = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    backup.rmdir()
    os.rename(out, backup)
    try:
        os.rename(tmp, out)
    except BaseException:
        os.rename(backup, out)
        raise
    shutil.rmtree(backup, ignore_errors=True)
