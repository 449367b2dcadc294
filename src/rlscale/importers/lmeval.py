"""lm-evaluation-harness: result files of one model at several inference budgets -> a curve.

PATH is a directory holding the ``results_<date>.json`` files that ``lm_eval --output_path``
wrote (searched recursively), one per budget: the task's ``repeats`` (samples per problem) or
its ``max_gen_toks`` (``configs.<task>.generation_kwargs``, or ``--gen_kwargs`` in ``config``).
Compute per file:

- with ``--tokenizer tokenizer.json`` and the run's ``samples_<task>_<date>.jsonl`` beside it
  (``--log_samples``): the mean number of generated tokens per problem, counted over the
  samples' ``resps`` (compute_unit ``tokens``);
- else the stated budget: ``repeats`` (compute_unit ``samples``), ``max_gen_toks`` (``tokens``,
  the cap per sample, not what was generated), or their product when both vary.

lm-eval's samples files hold the generated text, not token counts, hence the tokenizer.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rlscale.errors import MissingExtraError, RlscaleError
from rlscale.importers._common import Imported, Options, curve_id, number, show_list

_RESULTS = re.compile(r"^results(?:_(.+))?\.json$")


@dataclass
class Result:
    path: Path
    date_id: str
    model: str
    scores: dict[str, float]           # "task/metric,filter" -> value
    n: dict[str, float]                # task -> problems evaluated
    repeats: dict[str, int]
    max_gen_toks: dict[str, int | None]


def _load(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise RlscaleError("not an lm-evaluation-harness results file (not JSON)",
                           file=str(path)) from None
    except OSError as exc:
        raise RlscaleError(f"cannot read file: {exc.strerror or exc}", file=str(path)) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), dict):
        raise RlscaleError("not an lm-evaluation-harness results file (no 'results' object)",
                           file=str(path))
    return doc


def _gen_kwargs_cap(config: dict) -> int | None:
    """max_gen_toks given on the command line (``--gen_kwargs``), a string or a dict."""
    kwargs = config.get("gen_kwargs") if isinstance(config, dict) else None
    if isinstance(kwargs, str):
        m = re.search(r"max_gen_toks\s*=\s*(\d+)", kwargs)
        return int(m.group(1)) if m else None
    if isinstance(kwargs, dict) and number(kwargs.get("max_gen_toks")):
        return int(kwargs["max_gen_toks"])
    return None


def _model(doc: dict) -> str:
    if isinstance(doc.get("model_name"), str) and doc["model_name"]:
        return doc["model_name"]
    args = (doc.get("config") or {}).get("model_args") if isinstance(doc.get("config"), dict) else ""
    if isinstance(args, str):
        m = re.search(r"(?:pretrained|model|path)=([^,]+)", args)
        return m.group(1) if m else args
    if isinstance(args, dict):
        return str(args.get("pretrained") or args.get("model") or "")
    return ""


def _parse(path: Path) -> Result:
    doc = _load(path)
    configs = doc.get("configs") if isinstance(doc.get("configs"), dict) else {}
    samples = doc.get("n-samples") if isinstance(doc.get("n-samples"), dict) else {}
    cap = _gen_kwargs_cap(doc.get("config") or {})
    scores, n, repeats, gen = {}, {}, {}, {}
    for task, metrics in doc["results"].items():
        if not isinstance(metrics, dict):
            continue
        for key, value in metrics.items():
            if "_stderr" not in key and key != "alias" and number(value) is not None:
                scores[f"{task}/{key}"] = float(value)
        cfg = configs.get(task) if isinstance(configs.get(task), dict) else {}
        rep = cfg.get("repeats", 1)
        repeats[task] = int(rep) if number(rep) and rep >= 1 else 1
        kwargs = cfg.get("generation_kwargs") if isinstance(cfg.get("generation_kwargs"), dict) else {}
        toks = number(kwargs.get("max_gen_toks"))
        gen[task] = cap or (int(toks) if toks else None)
        count = samples.get(task, {}).get("effective") if isinstance(samples.get(task), dict) else None
        if number(count) and count > 0:
            n[task] = float(count)
    m = _RESULTS.match(path.name)
    return Result(path, (m.group(1) or "") if m else "", _model(doc), scores, n, repeats, gen)


def _files(path: Path) -> list[Path]:
    if not path.exists():
        raise RlscaleError("file not found", file=str(path))
    if path.is_file():
        raise RlscaleError("one results file is one point: give the directory holding the "
                           "results at several budgets (repeats or max_gen_toks)", file=str(path))
    files = sorted(f for f in path.rglob("*.json") if _RESULTS.match(f.name))
    if not files:
        raise RlscaleError("no lm-evaluation-harness results_*.json files here", file=str(path))
    return files


def _metric(results: list[Result], requested: str | None, source: str) -> str:
    names = sorted(set().union(*(r.scores for r in results)))
    if requested is not None:
        matches = [n for n in names if n == requested or n.split("/", 1)[1] == requested]
        if len(matches) == 1:
            return matches[0]
        what = "several metrics match" if matches else "no metric"
        raise RlscaleError(f"{what} '{requested}' (metrics there: {show_list(names)})", file=source)
    if len(names) == 1:
        return names[0]
    raise RlscaleError(f"several metrics: pick one with --metric (metrics there: "
                       f"{show_list(names)})", file=source)


def _tokenizer(path: str):
    try:
        from tokenizers import Tokenizer
    except ImportError:
        raise MissingExtraError("tokenizers", "trl") from None
    p = Path(path)
    if p.is_dir():
        p = p / "tokenizer.json"
    try:
        return Tokenizer.from_file(str(p))
    except Exception as exc:  # tokenizers raises its own Exception subclass
        raise RlscaleError(f"not a readable tokenizer.json: {str(exc).splitlines()[0] if str(exc) else exc}",
                           file=str(p)) from None


def _generated_tokens(result: Result, task: str, metric_filter: str, tok) -> tuple[float, int] | None:
    """(mean generated tokens per problem, problems) from the samples file, or None."""
    files = sorted(result.path.parent.glob(f"samples_{task}_{result.date_id}.jsonl"))
    if not files or not result.date_id:
        return None
    per_doc: dict[Any, int] = {}
    for k, line in enumerate(files[0].read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError:
            raise RlscaleError(f"line {k} is not JSON", file=str(files[0])) from None
        if not isinstance(rec, dict) or rec.get("filter", metric_filter) != metric_filter:
            continue
        texts = [t for group in rec.get("resps") or [] for t in (group if isinstance(group, list) else [group])
                 if isinstance(t, str)]
        per_doc[json.dumps(rec.get("doc_id"))] = sum(len(tok.encode(t, add_special_tokens=False).ids)
                                                     for t in texts)
    if not per_doc:
        return None
    return sum(per_doc.values()) / len(per_doc), len(per_doc)


def _budget(results: list[Result], task: str, source: str) -> tuple[str, str]:
    """Which knob varies: 'repeats', 'max_gen_toks' or 'both'; and the unit."""
    reps = {r.repeats.get(task, 1) for r in results}
    caps = {r.max_gen_toks.get(task) for r in results}
    if len(reps) > 1 and len(caps) > 1:
        if None in caps:
            raise RlscaleError(f"task '{task}': some result files state no max_gen_toks", file=source)
        return "both", "tokens"
    if len(reps) > 1:
        return "repeats", "samples"
    if len(caps) > 1 and None not in caps:
        return "max_gen_toks", "tokens"
    raise RlscaleError(f"the result files of task '{task}' do not differ in repeats or "
                       "max_gen_toks: nothing to put on the compute axis", file=source)


def read(path: str | Path, opts: Options, *, tokenizer: str | None = None) -> Imported:
    root = Path(path)
    results = [_parse(f) for f in _files(root)]
    models = sorted({r.model for r in results})
    if len(models) > 1:
        raise RlscaleError(f"mixed runs: results of models {', '.join(models[:5])} (one model "
                           "per curve: give one model's directory)", file=str(root))
    metric = _metric(results, opts.metric, str(root))
    task, key = metric.split("/", 1)
    results = [r for r in results if metric in r.scores]
    knob, unit = _budget(results, task, str(root))
    tok = _tokenizer(tokenizer) if tokenizer else None
    rows, warns, seen = [], [], {}
    for r in results:
        k, g = r.repeats.get(task, 1), r.max_gen_toks.get(task)
        counted = _generated_tokens(r, task, key.split(",", 1)[-1], tok) if tok else None
        if counted:
            compute, how = counted[0], (f"compute = generated tokens per problem, counted with "
                                        f"{tokenizer} over {counted[1]} problems' resps")
        else:
            compute = {"repeats": k, "max_gen_toks": g, "both": k * (g or 0)}[knob]
            how = {"repeats": f"compute = samples per problem (repeats = {k})",
                   "max_gen_toks": f"compute = the stated budget max_gen_toks = {g} per sample",
                   "both": f"compute = repeats x max_gen_toks = {k} x {g} (stated budget)"}[knob]
        if tok and not counted:
            warns.append(f"{r.path.name}: no samples file to count tokens in; used the stated budget")
        if compute in seen:
            raise RlscaleError(f"two result files at the same budget {compute:g}: {seen[compute]} "
                               f"and {r.path.name}", file=str(root))
        seen[compute] = r.path.name
        score = r.scores[metric]
        if not 0.0 <= score <= 1.0:
            raise RlscaleError(f"metric '{metric}' is not a score in [0, 1]: {score:g}",
                               file=str(r.path))
        rows.append((compute, score, r, f"lm-eval {metric} in {r.path.name}; {how}"))
    unit = "tokens" if tok and any("generated tokens" in row[3] for row in rows) else unit
    if tok and len({("generated tokens" in row[3]) for row in rows}) > 1:
        raise RlscaleError("only some result files have samples files to count tokens in: "
                           "a curve needs one compute unit", file=str(root))
    return Imported(_frame(rows, metric, unit, models[0], opts, task), warns,
                    sorted(set().union(*(r.scores for r in results))))


def _frame(rows, metric: str, unit: str, model: str, opts: Options, task: str):
    import pandas as pd

    from rlscale.data import read_frame

    curve = opts.curve or curve_id("lm-eval", f"{model.split('/')[-1]}-{task}" if model else task)
    frame = pd.DataFrame({
        "curve": [curve] * len(rows), "axis": [opts.axis or "inference"] * len(rows),
        "compute": [c for c, _, _, _ in rows], "score": [s for _, s, _, _ in rows],
        "compute_unit": [unit] * len(rows),
        "n": [r.n.get(task, float("nan")) for _, _, r, _ in rows],
        "benchmark": [metric] * len(rows), "model": [model] * len(rows),
        "source": [str(r.path) for _, _, r, _ in rows], "provenance": ["measured"] * len(rows),
        "note": [note for _, _, _, note in rows]})
    return read_frame(frame, source_name=str(rows[0][2].path.parent))


def list_metrics(path: str | Path) -> list[str]:
    return sorted(set().union(*(_parse(f).scores for f in _files(Path(path)))))
