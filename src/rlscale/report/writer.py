"""Write a report directory: figures (SVG + PNG), results.json, report.md, index.html.

The directory is built next to its destination under a temporary name and renamed into place
only when every file is written, so a failure never leaves a half-written report (and an older
report at the same path survives until the new one is complete).

A report folder carries a marker file, :data:`MARKER`, listing the files rlscale wrote. An
existing folder is replaced only when it holds that marker and nothing but the files it lists;
any other non-empty folder is refused, so ``-o DIR`` never deletes a file rlscale did not write.
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

#: The marker that makes a folder an rlscale report (JSON: the files rlscale wrote there).
MARKER = ".rlscale-report"
MARKER_FORMAT = "rlscale-report-dir/1"
PX_PER_INCH = 96  # CSS pixels per inch: the size figures are shown at in the page


def results_to_json(results: dict) -> str:
    """``results.json`` text (strict JSON: no NaN)."""
    return json.dumps(clean_json(results), indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def check_destination(out_dir: str | os.PathLike) -> None:
    """Raise :class:`RlscaleError` unless *out_dir* may receive a report: a new or empty folder,
    or a report folder rlscale wrote and nothing else, in a place where a folder can be written.
    The CLI calls it before any analysis, so a bad ``-o`` fails before the work starts."""
    out = Path(out_dir).expanduser().absolute()
    _check_contents(out)
    _check_writable(out)


def _written_by_rlscale(out: Path) -> set[str] | None:
    """The files the marker lists, or None when *out* holds no readable marker."""
    try:
        doc = json.loads((out / MARKER).read_text(encoding="utf-8"))
        files = doc["files"] if doc.get("format") == MARKER_FORMAT else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return {str(f) for f in files} | {MARKER} if isinstance(files, list) else None


def _check_contents(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise RlscaleError(f"{out}: exists and is not a directory; choose another -o DIR")
    if not out.is_dir():
        return
    try:
        present = {p.name for p in out.iterdir()}
    except OSError as exc:
        raise RlscaleError(f"{out}: cannot read the folder ({exc.strerror})") from None
    if not present:
        return
    ours = _written_by_rlscale(out)
    if ours is None:
        raise RlscaleError(f"{out}: directory is not empty and was not written by rlscale report "
                           f"(no {MARKER} marker); choose another -o DIR")
    foreign = sorted(present - ours)
    if foreign:
        names = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
        raise RlscaleError(f"{out}: holds files rlscale did not write ({names}); move them or "
                           "choose another -o DIR")


def _check_writable(out: Path) -> None:
    """The nearest existing folder above *out* must be a folder rlscale can create files in."""
    anc = out.parent
    while not anc.exists() and anc != anc.parent:
        anc = anc.parent
    if not anc.is_dir():
        raise RlscaleError(f"{anc}: is not a directory, so -o {out} cannot be created")
    try:
        Path(tempfile.mkdtemp(prefix=f".{out.name}.probe-", dir=anc)).rmdir()
    except OSError as exc:
        raise RlscaleError(f"{anc}: cannot write a report there ({exc.strerror or exc}); "
                           "choose another -o DIR") from None


def _write(path: Path, text: str, final: Path) -> None:
    """Write *text* to *path*; a failure (disk full, permission) names the report file."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise _write_error(final / path.name, exc) from None


def _write_error(path: Path, exc: OSError) -> RlscaleError:
    return RlscaleError(f"{path}: cannot write ({exc.strerror or exc}); nothing was replaced "
                        "(an earlier report there is unchanged)")


def render_figures(results: dict, directory: Path, progress: Callable[..., None] | None = None,
                   *, final_dir: Path | None = None) -> list[dict[str, Any]]:
    """Draw each figure the results support; save ``<name>.svg`` and ``<name>.png`` in *directory*.

    Returns one dict per figure (``name, title, caption, svg_base64, width, height``) for the page.
    Text from the data is drawn literally (no mathtext), in the report's style. A write
    failure names the file as it will be called in *final_dir* (default *directory*).
    """
    import matplotlib.pyplot as plt

    from rlscale.report.figures import STYLE, figure_specs

    out = []
    specs = figure_specs(results)
    for k, spec in enumerate(specs):
        if progress:
            progress(f"drawing {spec['name']}", k, len(specs))
        svg_path = directory / f"{spec['name']}.svg"
        with plt.rc_context(STYLE):
            fig = spec["draw"](results)
            try:
                fig.savefig(svg_path, format="svg", metadata={"Date": None})
                fig.set_layout_engine("none")  # the layout is settled: don't solve it again
                fig.savefig(directory / f"{spec['name']}.png", format="png")
            except OSError as exc:
                name = Path(exc.filename).name if exc.filename else svg_path.name
                raise _write_error((final_dir or directory) / name, exc) from None
        w, h = fig.get_size_inches()
        out.append({"name": spec["name"], "title": spec["title"], "caption": spec["caption"],
                    "svg_base64": base64.b64encode(svg_path.read_bytes()).decode("ascii"),
                    "width": round(w * PX_PER_INCH), "height": round(h * PX_PER_INCH)})
    return out


def write_report(results: dict, out_dir: str | os.PathLike,
                 progress: Callable[..., None] | None = None) -> Path:
    """Write the full report for *results* into *out_dir*; return the path of ``index.html``.

    The page is rendered from the JSON text written to ``results.json`` (read back), so the
    report shows exactly the numbers saved beside it.

    Raises
    ------
    RlscaleError
        *out_dir* may not receive a report (see :func:`check_destination`), or a file could
        not be written (disk full, permission denied): the message names the file, and
        nothing at *out_dir* has changed.
    """
    from rlscale.report.html import render_html
    from rlscale.report.markdown import render_markdown

    out = Path(out_dir).expanduser().absolute()
    check_destination(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    except OSError as exc:
        raise _write_error(out, exc) from None
    text = results_to_json(results)
    saved = json.loads(text)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; the report is an ordinary folder
        _write(tmp / "results.json", text, out)
        figures = render_figures(saved, tmp, progress, final_dir=out)
        if progress:
            progress("writing index.html and report.md")
        _write(tmp / "report.md", render_markdown(saved, figures), out)
        _write(tmp / "index.html", render_html(saved, figures), out)
        files = sorted(p.name for p in tmp.iterdir())
        _write(tmp / MARKER, json.dumps({"format": MARKER_FORMAT, "files": files}) + "\n", out)
        _check_contents(out)  # nothing of the user's arrived there while we worked
        _swap_into_place(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out / "index.html"


def _swap_into_place(tmp: Path, out: Path) -> None:
    """Rename *tmp* to *out*; an existing report at *out* is removed only after the rename."""
    try:
        if not out.exists():
            os.rename(tmp, out)
            return
        backup = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        backup.rmdir()
        os.rename(out, backup)
    except OSError as exc:
        raise _write_error(out, exc) from None
    try:
        os.rename(tmp, out)
    except BaseException:
        os.rename(backup, out)
        raise
    shutil.rmtree(backup, ignore_errors=True)
