"""A lab run directory on disk: manifest, config, FLOP ledger, step log, checkpoints, eval cache.

Layout (contract in ``docs/dev/contracts.md``)::

    RUN_DIR/
      rlscale-run.json      manifest: status complete|running|interrupted, config, versions, git hash
      config.json           the resolved config (a changed file makes `lab resume` refuse)
      ledger.json           FLOPs by component
      log.jsonl             one JSON record per pre-training / RL step
      checkpoints/*.pt      model + optimizer + step + ledger (torch.load(weights_only=True))
      evals/step<N>.json    evaluation of the checkpoint after N RL steps (cached)
      observations.csv      the core observation table (provenance measured, compute_unit flop)

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

from rlscale.errors import RlscaleError

from rlscale import runformat as rf

MANIFEST = rf.MANIFEST
FORMAT = rf.RUN_FORMAT


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


def torch_load(path: Path) -> Any:
    import torch

    return torch.load(path, map_location="cpu", weights_only=True)


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


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover
        return True
    # a zombie (killed child not yet reaped) is not running
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


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
        try:
            return json.loads(self.manifest_path.read_text())
        except (OSError, ValueError) as exc:
            raise RlscaleError(f"{self.manifest_path}: unreadable manifest: {exc}") from None

    def status(self) -> str:
        """``complete``, ``running`` or ``interrupted`` (running, but its process is gone)."""
        doc = self.manifest()
        status = doc.get("status", "interrupted")
        if status == "running":
            same_host = doc.get("host") == socket.gethostname()
            if same_host and not _pid_alive(int(doc.get("pid", -1))):
                return "interrupted"
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
        if not self.log_path.is_file():
            return []
        out = []
        for line in self.log_path.read_text().splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:  # a line cut by a crash
                continue
        return out

    def truncate_log(self, keep) -> None:
        """Keep only the log records for which ``keep(record)`` is true (atomic rewrite)."""
        records = [r for r in self.read_log() if keep(r)]
        atomic_write_bytes(self.log_path,
                           "".join(json.dumps(r, sort_keys=True) + "\n" for r in records).encode())

    # --- evaluation cache --------------------------------------------------------------------
    def eval_path(self, step: int) -> Path:
        return self.evals / rf.eval_file(step)

    def read_eval(self, step: int) -> dict[str, Any] | None:
        path = self.eval_path(step)
        return json.loads(path.read_text()) if path.is_file() else None

    def write_eval(self, step: int, doc: dict[str, Any]) -> None:
        atomic_write_json(self.eval_path(step), doc)
