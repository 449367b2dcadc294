"""The one user-facing error type.

Anything the user can fix (a bad file, a bad flag, a fit the data cannot support) is raised as
:class:`RlscaleError`. The CLI prints ``str(err)`` as one line on stderr and exits with code 2.
Any other exception escaping the CLI is a bug in rlscale.
"""

from __future__ import annotations


class RlscaleError(Exception):
    """A user error: one line that names the file, row, field and the rule broken."""

    exit_code = 2

    def __init__(self, message: str, *, file: str | None = None, row: int | None = None,
                 column: str | None = None) -> None:
        parts = []
        if file is not None:
            parts.append(str(file))
        if row is not None:
            parts.append(f"row {row}")
        if column is not None:
            parts.append(f"column '{column}'")
        prefix = ": ".join([", ".join(parts)]) if parts else ""
        self.file, self.row, self.column, self.rule = file, row, column, message
        super().__init__(f"{prefix}: {message}" if prefix else message)


class MissingExtraError(RlscaleError):
    """An optional dependency is missing; the message names the extra to install."""

    def __init__(self, module: str, extra: str) -> None:
        super().__init__(
            f"this needs the optional dependency '{module}': install it with "
            f"pip install 'rlscale[{extra}]'"
        )
