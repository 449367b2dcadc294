"""An exclusive lock on a directory that one process writes (a lab run; later a sweep).

``with hold(directory, "lab run"):`` takes ``fcntl.flock`` on the lock file
:data:`rlscale.runformat.LOCK` inside it without waiting and writes who holds it (pid, host, start time,
what) into that file. A second process is refused at once with one line naming the holder. The
kernel frees the lock when the holding process ends in any way (exit, exception, SIGKILL), so a
lock left by a dead process is stale by construction: the file stays, its old contents are only
information, and the next process takes the lock and overwrites them.

POSIX only (``fcntl``); flock is advisory, so it protects rlscale processes from each other,
which is what matters: two ``lab resume`` of one run would append the same steps twice.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from rlscale.errors import RlscaleError
from rlscale.runformat import LOCK


def holder(directory: str | Path) -> dict | None:
    """What the lock file of *directory* says about its (last) holder, or None."""
    try:
        doc = json.loads((Path(directory) / LOCK).read_text())
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return doc if isinstance(doc, dict) else None


def _describe(doc: dict | None) -> str:
    if not doc:
        return "another process"
    return (f"pid {doc.get('pid', '?')} on {doc.get('host', '?')} ({doc.get('what', 'rlscale')}, "
            f"since {doc.get('started', '?')})")


def is_held(directory: str | Path) -> bool:
    """Whether a process holds the lock of *directory* now (False if there is no lock file)."""
    import fcntl

    try:
        fd = os.open(Path(directory) / LOCK, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


@contextmanager
def hold(directory: str | Path, what: str) -> Iterator[Path]:
    """Hold the lock of *directory* (created if missing) for the ``with`` block, or refuse."""
    import fcntl

    directory = Path(directory)
    path = directory / LOCK
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise RlscaleError(f"{path}: cannot create the lock file: {exc.strerror or exc}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RlscaleError(f"{directory}: in use by {_describe(holder(directory))}; wait for "
                               "it to finish or stop that process, then try again") from None
        doc = {"pid": os.getpid(), "host": socket.gethostname(), "what": what,
               "started": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(doc) + "\n").encode(), 0)
        yield path
    finally:
        os.close(fd)  # releases the flock
