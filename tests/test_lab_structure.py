"""The lab's shape: modules <= 450 lines, functions <= 60 lines (but the compiled decode kernel),
no import cycle between its modules, and run-dir names / curve ids spelled only in runformat."""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
LAB = SRC / "rlscale" / "lab"
KERNEL = "_decode_numba.py"
FILES = sorted(LAB.rglob("*.py")) + [SRC / "rlscale" / "cli" / "lab.py", SRC / "rlscale" / "runformat.py"]


def _module(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_modules_and_functions_are_short():
    long = []
    for path in FILES:
        if path.name == KERNEL:
            continue
        text = path.read_text()
        if len(text.splitlines()) > 450:
            long.append(f"{path.name}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                size = node.end_lineno - node.lineno + 1
                if size > 60:
                    long.append(f"{path.name}:{node.lineno} {node.name}: {size} lines")
    assert not long, long


def _imports(path: Path, mod: str) -> set[str]:
    """Every rlscale.lab module *path* imports, at module level or inside functions."""
    out = set()
    package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            out.add(base)
            out |= {f"{base}.{a.name}" for a in node.names}
    return {m for m in out if m.startswith("rlscale.lab")}


def test_no_import_cycle_inside_the_lab():
    mods = {_module(p): p for p in sorted(LAB.rglob("*.py"))}
    graph = {m: {d for d in _imports(p, m) if d in mods and d != m} for m, p in mods.items()}
    seen, stack, cycles = set(), [], []

    def visit(m: str) -> None:
        if m in stack:
            cycles.append(stack[stack.index(m):] + [m])
            return
        if m in seen:
            return
        seen.add(m)
        stack.append(m)
        for d in sorted(graph[m]):
            visit(d)
        stack.pop()

    for m in sorted(graph):
        visit(m)
    assert not cycles, cycles


def test_run_format_literals_live_only_in_runformat():
    pattern = re.compile(r"lab-inf-|\"lab-rl\"|rlscale-run\.json|observations\.csv|log\.jsonl|"
                         r"ledger\.json|config\.json|\.rlscale\.lock|base\.pt|pretrain-state|"
                         r"\"lab-pretrain\"|pretrain-axis")
    hits = [f"{p.relative_to(SRC)}:{i}" for p in FILES if p.name != "runformat.py"
            for i, line in enumerate(p.read_text().splitlines(), 1) if pattern.search(line)]
    assert not hits, hits


PENDING: tuple[str, ...] = ()  # sub-packages allowed to spell run-format names for now: none


def test_no_module_of_the_package_spells_a_lab_curve_id_or_run_file():
    """Everywhere in src/ (docstrings too): ids and run-directory names come from runformat.
    ``config.json`` is left out here: outside the lab it is a Hugging Face model's config."""
    pattern = re.compile(r"lab-inf-|\"lab-rl\"|rlscale-run\.json|rlscale-sweep\.json|"
                         r"ledger\.json|observations\.csv|\blog\.jsonl|\.rlscale\.lock|"
                         r"base\.pt|pretrain-state|rlscale-lab-run/|rlscale-lab-sweep/|"
                         r"lab-pretrain|pretrain-axis")
    pkg = SRC / "rlscale"
    hits = [f"{p.relative_to(SRC)}:{i}" for p in sorted(pkg.rglob("*.py"))
            if p.name != "runformat.py" and p.relative_to(pkg).parts[0] not in PENDING
            for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if pattern.search(line)]
    assert not hits, hits
