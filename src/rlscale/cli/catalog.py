"""CLI command group ``rlscale catalog``: list and show the built-in published data.

    rlscale catalog list [--json]
    rlscale catalog show ID [--json]
    rlscale catalog validate [--dir DIR]

Entries of kind ``observations`` can be used anywhere a data file can, as ``catalog:ID``.
"""

from __future__ import annotations

import typer

from rlscale.fmt import inert, plain

JSON_HELP = "Print one JSON document on stdout instead of a table."


def list_entries(json_output: bool = typer.Option(False, "--json", help=JSON_HELP)) -> None:
    """List the catalog entries with their citations."""
    from rlscale.data import catalog

    entries = catalog.list_entries()
    if json_output:
        from rlscale.cli._common import print_json

        print_json({"entries": [e.to_dict() for e in entries]})
        return
    from rich.table import Table

    from rlscale.cli._common import console

    table = Table(title="rlscale built-in catalog (use an observations entry as catalog:ID)",
                  show_lines=True)
    for name in ("id", "kind", "curves", "title"):
        table.add_column(name, overflow="fold")
    for e in entries:
        table.add_row(inert(e.id), e.kind, str(len(e.curves)), inert(e.title))
    out = console()
    out.print(table)
    out.print("citations and rows: rlscale catalog show ID (or --json)", highlight=False)


def show_entry(entry_id: str = typer.Argument(..., metavar="ID", help="Catalog id, e.g. essay."),
               json_output: bool = typer.Option(False, "--json", help=JSON_HELP),
               csv_output: bool = typer.Option(False, "--csv",
                                               help="Print the rows as CSV (a template for "
                                                    "your own data file).")) -> None:
    """Show one catalog entry: citation, description and every row with its provenance."""
    import sys

    from rlscale.data import catalog

    entry = catalog.get_entry(entry_id)
    if entry.kind == "observations":
        frame = catalog.load_observations(entry_id)
        doc = {"entry": entry.to_dict(), "observations": frame.to_dict(orient="records")}
    else:
        curves = catalog.parametric_curves(entry_id)
        doc = {"entry": entry.to_dict(), "curves": [c.to_dict() for c in curves]}
    if csv_output:
        import pandas as pd

        table = frame if entry.kind == "observations" else pd.DataFrame(
            [{"curve": c.curve, "form": c.form, **c.params, "axis": c.axis,
              "compute_unit": c.compute_unit, "source": c.citation,
              "provenance": c.provenance, "note": c.note} for c in curves])
        sys.stdout.write(table.to_csv(index=False, lineterminator="\n"))
        return
    if json_output:
        from rlscale.cli._common import print_json

        print_json(doc)
        return
    _print_entry(entry, frame if entry.kind == "observations" else curves)


def _print_entry(entry, rows) -> None:
    """Title, citation, description, then the rows (observations or parametric curves)."""
    from rich.table import Table

    from rlscale.cli._common import console

    out = console()
    out.print(f"[bold]{inert(entry.id)}[/bold] — {inert(entry.title)}", highlight=False)
    out.print(f"citation: {inert(entry.citation)}", highlight=False)
    out.print(inert(entry.description), highlight=False)
    table = Table(show_lines=False)
    if entry.kind == "observations":
        for name in ("curve", "axis", "compute", "unit", "score", "benchmark", "model",
                     "provenance", "note"):
            table.add_column(name, overflow="fold",
                             justify="right" if name in ("compute", "score") else "left")
        for r in rows.itertuples(index=False):
            table.add_row(*(inert(x) for x in (r.curve, r.axis, plain(r.compute), r.compute_unit,
                                                plain(r.score), r.benchmark, r.model,
                                                r.provenance, r.note)))
        out.print(table)
        out.print(f"use it as: rlscale fit catalog:{inert(entry.id)}", highlight=False)
        return
    for name in ("curve", "form", "C_mid", "B", "A", "axis", "unit", "provenance", "note"):
        table.add_column(name, overflow="fold")
    for c in rows:
        p = c.params
        table.add_row(*(inert(x) for x in (c.curve, c.form, plain(p["C_mid"]), plain(p["B"]),
                                            plain(p["A"]), c.axis, c.compute_unit,
                                            c.provenance, c.note)))
    out.print(table)
    if entry.kind == "parametric":
        out.print("not stated by the source (pass your own to evaluate pass rates): "
                  + ", ".join(sorted({u for c in rows for u in c.unstated})), highlight=False)


def validate(directory: str = typer.Option(None, "--dir", metavar="DIR",
                                           help="Check a catalog directory of your own "
                                                "(catalog.toml and its CSVs); default: the "
                                                "built-in catalog.")) -> None:
    """Check every catalog row: schema, locator, quote, provenance (never chart) and pairs."""
    import sys

    from rlscale.data.catalog.validate import validate_catalog

    problems = validate_catalog(directory)
    for line in problems:
        sys.stderr.write(f"{line}\n")
    if problems:
        sys.stderr.write(f"catalog validate: {len(problems)} problem(s)\n")
        raise typer.Exit(2)
    where = directory or "the built-in catalog"
    sys.stdout.write(f"catalog validate: {where} passes (every row has a locator, a quote and "
                     "a stated provenance; every declared pair exists)\n")


def register(app) -> None:
    """Add the ``catalog`` group (``list``, ``show``, ``validate``) to *app*."""
    group = typer.Typer(help="Built-in published scaling data, each row with its citation.",
                        no_args_is_help=True)
    group.command("list")(list_entries)
    group.command("show")(show_entry)
    group.command("validate")(validate)
    app.add_typer(group, name="catalog")
