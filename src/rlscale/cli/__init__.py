"""The ``rlscale`` command: a typer app assembled from one module per command group.

Each module in :data:`COMMAND_MODULES` defines ``register(app: typer.Typer) -> None`` and keeps
its heavy imports (scipy, matplotlib, torch) inside the command functions, so ``rlscale --help``
stays fast. User errors (:class:`rlscale.errors.RlscaleError`, click usage errors, OSErrors of the
user's world) become one line on stderr and exit code 2; Ctrl-C is ``rlscale: interrupted`` and
exit code 130; anything else is a bug and keeps its traceback (see :func:`main`).
"""

from __future__ import annotations

import errno
import functools
import importlib
import sys

from rlscale.fmt import printable

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

#: Top-level command -> the module that registers it. A run of one command imports only its
#: module (a command group's start-up should not pay for the others); help, a bare ``rlscale``
#: and unknown commands register them all. A test checks this map against the modules.
COMMANDS = {
    "fit": "rlscale.cli.analysis", "compare": "rlscale.cli.analysis",
    "exchange": "rlscale.cli.analysis", "catalog": "rlscale.cli.catalog",
    "cost": "rlscale.cli.cost", "claims": "rlscale.cli.claims", "report": "rlscale.cli.report",
    "lab": "rlscale.cli.lab", "forecast": "rlscale.cli.forecast",
    "backtest": "rlscale.cli.forecast", "import": "rlscale.cli.importer",
}


def build_app(command: str | None = None):
    """Build the typer app: with *command* (a top-level command name) only its module is
    registered, otherwise every command group."""
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

    names = [COMMANDS[command]] if command in COMMANDS else COMMAND_MODULES
    for name in names:
        module = importlib.import_module(name)
        module.register(app)
    _guard_app(app)
    return app


# errno values of the user's world (disk full, permissions, read-only or missing paths): one line,
# exit 2. Any other OSError is a bug and keeps its traceback.
USER_OS_ERRORS = frozenset(
    getattr(errno, name) for name in (
        "ENOSPC", "EDQUOT", "EACCES", "EPERM", "EROFS", "ENOTDIR", "EISDIR", "ENOENT", "EEXIST",
        "ENAMETOOLONG", "ELOOP", "EMFILE", "ENFILE", "EIO", "EXDEV", "EFBIG", "ETXTBSY", "EBUSY",
        "ENOTEMPTY")
    if hasattr(errno, name))

INTERRUPTED_EXIT = 130


class _Interrupted(BaseException):
    """A Ctrl-C inside a command, carried past click (which would turn it into a silent exit)."""


class _EndOfInput(BaseException):
    """An EOFError inside a command, carried past click (which would call it an abort)."""


def _guard(callback):
    """Wrap a command callback so that click never sees KeyboardInterrupt or EOFError.

    click turns a KeyboardInterrupt into a silent ``Exit(130)`` and an EOFError (a truncated
    file read with ``pickle``/``torch.load``, a closed stdin) into ``Abort``; :func:`main` gives
    each its own line instead. A command that wants its own interrupt message (e.g. the
    ``lab resume`` hint) catches KeyboardInterrupt itself, prints it, and raises
    ``typer.Exit(130)``: main() then adds nothing.
    """
    @functools.wraps(callback)
    def guarded(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except KeyboardInterrupt as exc:
            raise _Interrupted() from exc
        except EOFError as exc:
            raise _EndOfInput(str(exc)) from exc

    return guarded


def _guard_app(app) -> None:
    for info in app.registered_commands:
        if info.callback is not None:
            info.callback = _guard(info.callback)
    for group in app.registered_groups:
        sub = group.typer_instance
        if sub is not None:
            if sub.registered_callback is not None and sub.registered_callback.callback:
                sub.registered_callback.callback = _guard(sub.registered_callback.callback)
            _guard_app(sub)


def _fail(message: str) -> None:
    # One line, no traceback: the contract for every user error.
    message = " ".join(printable(message).split())
    print(f"rlscale: error: {message}", file=sys.stderr)
    sys.exit(2)


def _os_error_line(exc: OSError) -> str:
    """``<file>: <OS reason>`` (and the second file of a rename) for an OSError."""
    reason = exc.strerror or errno.errorcode.get(exc.errno or 0, "") or str(exc)
    names = [str(n) for n in (exc.filename, exc.filename2) if n is not None]
    where = " -> ".join(names)
    hint = " (free some space and run again)" if exc.errno in (errno.ENOSPC,
                                                              getattr(errno, "EDQUOT", -1)) else ""
    return f"{where}: {reason}{hint}" if where else f"{reason}{hint}"


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``rlscale`` console script and ``python -m rlscale``.

    Exit codes: 0 success; 2 a user error (one ``rlscale: error:`` line on stderr: a bad flag or
    file, an OSError of the user's world such as a full disk or a read-only folder, an input that
    ends early); 130 interrupted (Ctrl-C; ``rlscale: interrupted``). Anything else is a bug and
    keeps its traceback.
    """
    import typer  # typer >= 0.29 vendors click: its exceptions derive from TyperException

    from rlscale.errors import RlscaleError

    args = sys.argv[1:] if argv is None else list(argv)
    app = build_app(args[0] if args else None)
    try:
        rv = app(args=args, prog_name="rlscale", standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (_Interrupted, KeyboardInterrupt):
        print("rlscale: interrupted", file=sys.stderr)
        sys.exit(INTERRUPTED_EXIT)
    except _EndOfInput as exc:
        _fail(f"unexpected end of input{': ' + str(exc) if str(exc) else ''} (a truncated or "
              "empty file?)")
    except typer.Abort:  # only from an explicit abort (e.g. a declined prompt)
        print("rlscale: aborted", file=sys.stderr)
        sys.exit(1)
    except typer.TyperException as exc:  # usage errors: bad flag, missing argument, bad value
        _fail(exc.format_message())
    except RlscaleError as exc:
        _fail(str(exc))
    except OSError as exc:
        if exc.errno not in USER_OS_ERRORS:
            raise
        _fail(_os_error_line(exc))
    sys.exit(rv if isinstance(rv, int) else 0)
