"""Structure checks of src/rlscale: import cycles inside a package, module and function sizes.

    python scripts/check_imports.py            # all three checks; exit 1 if any fails
    python scripts/check_imports.py --cycles   # only the cycle check

tests/test_structure.py enforces all three.

Imports are read with ``ast`` from every module, at module level and inside functions alike (a
lazy import is still a dependency). ``from pkg import name`` counts as an import of
``pkg.name`` when that is a module, else of ``pkg``. The implicit import of a module's own parent
packages (Python runs ``pkg/__init__`` first) is not counted; an explicit one is. A cycle is
reported when modules of one top-level package (``rlscale.data`` with its subpackages, its
``__init__`` included) import each other in a ring; a ring through different top-level packages
is the package graph's concern and not counted here.

Sizes: a module over :data:`MAX_MODULE_LINES` lines or a function over
:data:`MAX_FUNCTION_LINES` lines (decorators and docstring included) is listed; the compiled
decode kernel ``lab/_decode_numba.py`` is exempt from both.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "rlscale"
MAX_MODULE_LINES = 450
MAX_FUNCTION_LINES = 60
EXEMPT = {"rlscale.lab._decode_numba"}


def module_files(root: Path = ROOT) -> dict[str, Path]:
    """Dotted module name -> file, for every module under ``root/rlscale``."""
    out = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _is_package(name: str, files: dict[str, Path]) -> bool:
    return files[name].name == "__init__.py"


def _resolve(node: ast.ImportFrom, name: str, files: dict[str, Path]) -> str | None:
    """The absolute module an ``from X import ...`` in module *name* refers to."""
    if node.level == 0:
        return node.module
    base = name.split(".") if _is_package(name, files) else name.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(name: str, files: dict[str, Path]) -> set[str]:
    """rlscale modules that module *name* imports (anywhere in its body)."""
    tree = ast.parse(files[name].read_text(encoding="utf-8"), filename=str(files[name]))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(node, name, files)
            if target is None:
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in files else target)
    out = set()
    for mod in found:
        # "import a.b.c" needs a.b.c; keep the longest prefix that is one of our modules
        while mod and mod not in files:
            mod = mod.rpartition(".")[0]
        if mod and mod != name:
            out.add(mod)
    return out


def package_of(name: str, files: dict[str, Path]) -> str:
    """The top-level package a module belongs to (``rlscale.data`` for ``rlscale.data.catalog``);
    a module directly under ``rlscale`` is its own group."""
    return ".".join(name.split(".")[:2])


def cycles(files: dict[str, Path] | None = None) -> list[list[str]]:
    """Import cycles among the modules of one package (each cycle once, as a closed path)."""
    files = files or module_files()
    graph = {}
    for name in files:
        pkg = package_of(name, files)
        graph[name] = sorted(m for m in imports_of(name, files)
                             if package_of(m, files) == pkg or m == pkg)
    found: list[list[str]] = []
    seen_rings: set[frozenset] = set()
    state: dict[str, int] = {}   # 1 on the DFS stack, 2 finished
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                ring = stack[stack.index(nxt):] + [nxt]
                key = frozenset(ring)
                if key not in seen_rings:
                    seen_rings.add(key)
                    found.append(ring)
            elif state.get(nxt) is None:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for name in sorted(graph):
        if state.get(name) is None:
            visit(name)
    return found


def big_modules(files: dict[str, Path] | None = None) -> list[tuple[str, int]]:
    files = files or module_files()
    out = []
    for name, path in files.items():
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > MAX_MODULE_LINES and name not in EXEMPT:
            out.append((name, n))
    return sorted(out, key=lambda t: -t[1])


def big_functions(files: dict[str, Path] | None = None) -> list[tuple[str, int]]:
    files = files or module_files()
    out = []
    for name, path in files.items():
        if name in EXEMPT:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                start = min([node.lineno] + [d.lineno for d in node.decorator_list])
                n = node.end_lineno - start + 1
                if n > MAX_FUNCTION_LINES:
                    out.append((f"{name}:{node.lineno} {node.name}", n))
    return sorted(out, key=lambda t: -t[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", action="store_true", help="only check import cycles")
    args = parser.parse_args(argv)
    files = module_files()
    failed = False
    rings = cycles(files)
    print(f"import cycles inside a package: {len(rings)}")
    for ring in rings:
        print("  " + " -> ".join(ring))
    failed |= bool(rings)
    if not args.cycles:
        mods, funcs = big_modules(files), big_functions(files)
        print(f"modules over {MAX_MODULE_LINES} lines: {len(mods)}")
        for name, n in mods:
            print(f"  {name}: {n}")
        print(f"functions over {MAX_FUNCTION_LINES} lines: {len(funcs)}")
        for name, n in funcs:
            print(f"  {name}: {n}")
        failed |= bool(mods or funcs)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
