"""The ``rlscale`` command: a typer app assembled from one module per command group.

Each module in :data:`COMMAND_MODULES` defines ``register(app: typer.Typer) -> None`` and keeps
its heavy imports (scipy, matplotlib, torch) inside the command functions, so ``rlscale --help``
stays fast. User errors (:class:`rlscale.errors.RlscaleError` and click usage errors) become one
line on stderr and exit code 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import importlib
import sys

COMMAND_MODULES = (
    "rlscale.cli.analysis",   # fit, compare, exchange
    "rlscale.cli.catalog",    # catalog list/show
    "rlscale.cli.cost",       # cost training/deployment/breakeven/energy
    "rlscale.cli.claims",     # claims
    "rlscale.cli.report",     # report
    "rlscale.cli.lab",        # lab run/resume/show/tasks
    "rlscale.cli.forecast",   # forecast, backtest
    "rlscale.cli.importer",   # import KIND PATH
)


def build_app():
    """Build the typer app with every command group registered."""
    import typer

    app = typer.Typer(
        name="rlscale",
        help="Measure, fit and forecast how capability scales with RL-training vs inference compute.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )

    def _print_version(value: bool) -> None:
        if value:
            from rlscale import __version__

            print(f"rlscale {__version__}")
            raise typer.Exit(0)

    @app.callback()
    def _root(
        version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                     help="Print rlscale's version and exit."),
    ) -> None:
        """Measure, fit and forecast how capability scales with RL-training vs inference compute."""

    for name in COMMAND_MODULES:
        module = importlib.import_module(name)
        module.register(app)
    return app


def _fail(message: str) -> None:
    # One line, no traceback: the contract for every user error.
    message = " ".join(str(message).split())
    print(f"rlscale: error: {message}", file=sys.stderr)
    sys.exit(2)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``rlscale`` console script and ``python -m rlscale``."""
    import typer  # typer >= 0.29 vendors click: its exceptions derive from TyperException

    from rlscale.errors import RlscaleError

    app = build_app()
    try:
        rv = app(args=argv, prog_name="rlscale", standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        print("rlscale: aborted", file=sys.stderr)
        sys.exit(130)
    except typer.TyperException as exc:  # usage errors: bad flag, missing argument, bad value
        _fail(exc.format_message())
    except RlscaleError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        print("rlscale: interrupted", file=sys.stderr)
        sys.exit(130)
    sys.exit(rv if isinstance(rv, int) else 0)
