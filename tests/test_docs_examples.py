"""The documented examples are run, so the docs cannot rot.

- ```console blocks in docs/getting-started.md: each ``$ rlscale ...`` line is run through
  ``rlscale.cli.main`` (terminal width 100) and its output must equal the lines under it.
- ```pycon blocks in docs/getting-started.md: run as doctests.
- ```console blocks in docs/catalog.md: each command must exit 0.

After a deliberate change of output, refresh the console outputs with

    .venv/bin/python tests/test_docs_examples.py --update
"""

from __future__ import annotations

import contextlib
import doctest
import io
import json
import math
import os
import re
import shlex
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GETTING_STARTED = ROOT / "docs" / "getting-started.md"
CATALOG_PAGE = ROOT / "docs" / "catalog.md"
BLOCK = re.compile(r"^```(console|pycon)\n(.*?)^```\n", re.S | re.M)
WIDTH = "100"


def blocks(path: Path, kind: str) -> list[tuple[int, str]]:
    text = path.read_text(encoding="utf-8")
    return [(text[: m.start()].count("\n") + 1, m.group(2)) for m in BLOCK.finditer(text)
            if m.group(1) == kind]


def commands(block: str) -> list[tuple[str, str]]:
    """(command, expected output) pairs of a console block."""
    pairs: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            pairs.append((line[2:], []))
        elif pairs:
            pairs[-1][1].append(line)
    return [(cmd, "\n".join(out).rstrip()) for cmd, out in pairs]


def run_command(command: str) -> tuple[int, str]:
    """Run ``rlscale ...`` in-process from the repo root; returns (exit code, stdout+stderr)."""
    from rlscale.cli import main

    argv = shlex.split(command)
    assert argv[0] == "rlscale", f"docs commands must start with 'rlscale': {command}"
    buf = io.StringIO()
    # plain text at a fixed width, whatever the caller's terminal settings
    env = {"COLUMNS": WIDTH, "LINES": "50", "FORCE_COLOR": None, "TTY_COMPATIBLE": None,
           "TTY_INTERACTIVE": None}
    old_cwd, old_env = os.getcwd(), {k: os.environ.get(k) for k in env}
    os.chdir(ROOT)
    for key, value in env.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    try:
        with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
            try:
                main(argv[1:])
                code = 0
            except SystemExit as exc:
                code = exc.code or 0
    finally:
        os.chdir(old_cwd)
        for key, value in old_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return code, "\n".join(line.rstrip() for line in buf.getvalue().splitlines()).rstrip()


CONSOLE = [(line, cmd, out) for line, block in blocks(GETTING_STARTED, "console")
           for cmd, out in commands(block)]


def same_json(a, b) -> bool:
    """JSON documents equal up to float round-off (optimiser tolerance, BLAS summation order)."""
    if isinstance(a, float) or isinstance(b, float):
        return (isinstance(a, (int, float)) and isinstance(b, (int, float))
                and math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b))
    return a == b


def same_output(actual: str, expected: str) -> bool:
    if actual == expected:
        return True
    try:
        return same_json(json.loads(actual), json.loads(expected))
    except ValueError:
        return False


@pytest.mark.parametrize("line, command, expected", CONSOLE,
                         ids=[f"L{c[0]}:{c[1][:50]}" for c in CONSOLE])
def test_console_example(line, command, expected):
    _, actual = run_command(command)
    assert same_output(actual, expected), (f"docs/getting-started.md line {line}: output of `{command}` "
                                "changed; if intended, run: .venv/bin/python "
                                "tests/test_docs_examples.py --update")


def test_getting_started_has_examples():
    assert len(CONSOLE) >= 6 and len(blocks(GETTING_STARTED, "pycon")) >= 1


@pytest.mark.parametrize("line, block", blocks(GETTING_STARTED, "pycon"))
def test_python_example(line, block):
    old = os.getcwd()
    os.chdir(ROOT)
    try:
        test = doctest.DocTestParser().get_doctest(block, {}, f"getting-started:{line}",
                                                   str(GETTING_STARTED), line)
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS
                                       | doctest.NORMALIZE_WHITESPACE)
        out = io.StringIO()
        runner.run(test, out=out.write)
    finally:
        os.chdir(old)
    assert runner.failures == 0, out.getvalue()


@pytest.mark.parametrize("command", [cmd for _, block in blocks(CATALOG_PAGE, "console")
                                     for cmd, _ in commands(block)])
def test_catalog_page_commands_run(command):
    code, output = run_command(command)
    assert code == 0, output


def update(path: Path = GETTING_STARTED) -> None:
    """Rewrite the outputs under every ``$ rlscale`` line of the console blocks."""
    text = path.read_text(encoding="utf-8")

    def refresh(match: re.Match) -> str:
        if match.group(1) != "console":
            return match.group(0)
        lines = []
        for cmd, _ in commands(match.group(2)):
            lines.append(f"$ {cmd}")
            output = run_command(cmd)[1]
            if output:
                lines.append(output)
        return "```console\n" + "\n".join(lines) + "\n```\n"

    new = BLOCK.sub(refresh, text)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(new, encoding="utf-8")
    os.replace(tmp, path)


if __name__ == "__main__":
    if "--update" in sys.argv:
        update()
        print(f"updated {GETTING_STARTED}")
