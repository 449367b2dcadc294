"""A lab run directory on disk: manifest, config, FLOP ledger, step log, checkpoints, eval cache.

The layout and file names are :mod:`rlscale.runformat`'s (contract in ``docs/dev/contracts.md``):
a manifest (status complete|running|interrupted, config, versions, git hash), the resolved config
(a changed file makes `lab resume` refuse), the FLOP ledger, the step log, checkpoints
(``torch.load(weights_only=True)``), the evaluation cache and the observation table.

Every file is written to a temporary file in the same directory and renamed over the target
(``os.replace`` is atomic on POSIX), so a crash at any moment leaves either the old or the new file.
The step log is appended line by line; on resume it is cut back to the checkpoint's step.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import subprocess
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from rlscale import runformat as rf
from rlscale.errors import RlscaleError
from rlscale.lab.lock import is_held

MANIFEST = rf.MANIFEST
FORMAT = rf.RUN_FORMAT
STATUSES = ("complete", "running", "interrupted")
_EVAL_ROW = {"strategy", "k", "score", "stderr", "n", "compute"}   # keys of a cached evaluation row


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write *data* to *path* atomically (temporary file + fsync + os.replace)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_json(path: Path, doc: Any) -> None:
    atomic_write_bytes(path, (json.dumps(doc, indent=2, sort_keys=True, allow_nan=True)
                              + "\n").encode())


def atomic_torch_save(obj: Any, path: Path) -> None:
    """``torch.save`` through a temporary file, renamed into place."""
    import io

    import torch

    buf = io.BytesIO()
    torch.save(obj, buf)
    atomic_write_bytes(path, buf.getvalue())


def short_reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."


def torch_load(path: Path, keys: tuple[str, ...] = ("model",)) -> dict[str, Any]:
    """A checkpoint written by :func:`atomic_torch_save`, holding *keys*; else a RlscaleError
    naming the file and what to do (a truncated, 0-byte or garbage file is not a crash)."""
    import torch

    path = Path(path)
    fix = (f"delete it and `rlscale lab resume {path.parent.parent}` redoes the work it saved")
    try:
        ck = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises RuntimeError, EOFError, UnpicklingError, ... by case
        raise RlscaleError(f"{path}: unreadable checkpoint ({short_reason(exc)}); {fix}") from None
    missing = [k for k in keys if k not in ck] if isinstance(ck, dict) else list(keys)
    if missing:
        raise RlscaleError(f"{path}: not a lab checkpoint (no {', '.join(missing)}); {fix}")
    return ck


def read_json(path: Path, what: str, fix: str) -> Any:
    """The JSON document in *path* (a *what*); any unreadable file is one RlscaleError line."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RlscaleError(f"{path}: {what} is missing; {fix}") from None
    except OSError as exc:
        raise RlscaleError(f"{path}: cannot read {what}: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else short_reason(exc)
        raise RlscaleError(f"{path}: unreadable {what} ({reason}); {fix}") from None


def git_hash() -> str | None:
    """The git commit of the rlscale source tree, or ``None`` outside a checkout."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent,
                             capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def versions() -> dict[str, str]:
    import numpy

    from rlscale import __version__

    out = {"rlscale": __version__, "python": platform.python_version(), "numpy": numpy.__version__}
    try:
        import torch

        out["torch"] = torch.__version__
    except ImportError:  # pragma: no cover
        pass
    return out


class RunDir:
    """Paths and small file operations of one run directory."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.manifest_path = self.path / MANIFEST
        self.config_path = self.path / rf.CONFIG
        self.ledger_path = self.path / rf.LEDGER
        self.log_path = self.path / rf.LOG
        self.checkpoints = self.path / rf.CHECKPOINTS
        self.evals = self.path / rf.EVALS
        self.observations_path = self.path / rf.OBSERVATIONS

    # --- opening -----------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path) -> RunDir:
        """An existing run directory; anything else is a :class:`RlscaleError`."""
        run = cls(path)
        if not run.manifest_path.is_file():
            raise RlscaleError(f"{path}: not a lab run directory (no {MANIFEST})")
        doc = run.manifest()
        if doc.get("format") != FORMAT:
            raise RlscaleError(f"{run.manifest_path}: not a lab run manifest (format "
                               f"{doc.get('format')!r})")
        return run

    def manifest(self) -> dict[str, Any]:
        fix = "restore it from a copy: a run directory cannot be read without its manifest"
        doc = read_json(self.manifest_path, "run manifest", fix)
        if not isinstance(doc, dict):
            raise RlscaleError(f"{self.manifest_path}: not a lab run manifest (a JSON "
                               f"{type(doc).__name__}, expected an object); {fix}")
        return doc

    def status(self) -> str:
        """``complete``, ``running`` or ``interrupted`` (running, but no process holds the run's
        lock: it was killed or stopped, see :mod:`rlscale.lab.lock`)."""
        doc = self.manifest()
        status = doc.get("status", "interrupted")
        if status not in STATUSES:
            raise RlscaleError(f"{self.manifest_path}: field 'status' is {str(status)[:40]!r}, "
                               f"expected one of {', '.join(STATUSES)}")
        if status == "running" and not is_held(self.path):
            return "interrupted"   # the process that wrote it is gone (the kernel freed its lock)
        return status

    def write_manifest(self, **updates: Any) -> dict[str, Any]:
        doc = self.manifest() if self.manifest_path.is_file() else {"format": FORMAT}
        doc.update(updates)
        doc["updated"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        atomic_write_json(self.manifest_path, doc)
        return doc

    def start(self, config: dict[str, Any], digest: str) -> None:
        """Create the directory and a ``running`` manifest (first start or resume)."""
        self.path.mkdir(parents=True, exist_ok=True)
        self.checkpoints.mkdir(exist_ok=True)
        self.evals.mkdir(exist_ok=True)
        first = not self.manifest_path.is_file()
        self.write_manifest(
            status="running", pid=os.getpid(), host=socket.gethostname(),
            **({"config": config, "config_digest": digest, "versions": versions(),
                "git_hash": git_hash(),
                "created": datetime.now(timezone.utc).isoformat(timespec="seconds")}
               if first else {}))
        if first:  # after the manifest, so a directory with a manifest is always resumable
            atomic_write_json(self.config_path, config)

    # --- step log ----------------------------------------------------------------------------
    def append_log(self, record: dict[str, Any]) -> None:
        with open(self.log_path, "a") as fh:
            fh.write(json.dumps(record, sort_keys=True) + "\n")

    def read_log(self) -> list[dict[str, Any]]:
        """The step records; a last line cut by a crash is dropped, any other bad line refused."""
        if not self.log_path.is_file():
            return []
        try:
            lines = self.log_path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise RlscaleError(f"{self.log_path}: unreadable step log ({short_reason(exc)}); move it "
                               "away to continue without the records of earlier steps") from None
        out = []
        for i, line in enumerate(lines, 1):
            try:
                rec = json.loads(line)
            except (ValueError, RecursionError):
                rec = None
            if isinstance(rec, dict) and isinstance(rec.get("step"), int):
                out.append(rec)
            elif i < len(lines):  # only the last line can be cut by a crash
                raise RlscaleError(f"{self.log_path}: line {i} is not a step record; the file was "
                                   "changed by something other than rlscale: move it away to "
                                   "continue without the records of earlier steps")
        return out

    def truncate_log(self, keep) -> None:
        """Keep only the log records for which ``keep(record)`` is true (atomic rewrite)."""
        self.write_log([r for r in self.read_log() if keep(r)])

    def write_log(self, records: list[dict[str, Any]]) -> None:
        """The step log made of *records* (atomic rewrite)."""
        atomic_write_bytes(self.log_path,
                           "".join(json.dumps(r, sort_keys=True) + "\n" for r in records).encode())

    # --- evaluation cache --------------------------------------------------------------------
    def eval_path(self, step: int) -> Path:
        return self.evals / rf.eval_file(step)

    def read_eval(self, step: int) -> dict[str, Any] | None:
        """The cached evaluation after *step* RL steps, None if not computed yet."""
        path = self.eval_path(step)
        if not path.is_file():
            return None
        fix = f"delete it and `rlscale lab resume {self.path}` recomputes it from its checkpoint"
        doc = read_json(path, "cached evaluation", fix)
        ok = (isinstance(doc, dict) and isinstance(doc.get("rows"), list)
              and all(isinstance(r, dict) and _EVAL_ROW <= set(r) for r in doc["rows"])
              and all(isinstance(doc.get(k), (int, float)) for k in ("flops", "rl_flops"))
              and doc.get("step") == step)
        if not ok:
            raise RlscaleError(f"{path}: not a cached evaluation of step {step}; {fix}")
        return doc

    def write_eval(self, step: int, doc: dict[str, Any]) -> None:
        atomic_write_json(self.eval_path(step), doc)
