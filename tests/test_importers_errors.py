"""Bad inputs to the importers: one line, exit 2, nothing written; fuzzed files never crash."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import importer_runs
from test_importers import fixtures, run_cli  # noqa: F401  (the session fixture)


def state(history) -> str:
    return json.dumps({"log_history": history, "global_step": len(history), "train_batch_size": 4})


def trl_entry(step: int, reward: float = 0.5, tokens: int | None = None) -> dict:
    return {"step": step, "reward": reward, "num_tokens": float(tokens or 100 * step),
            "completions/mean_length": 20.0, "epoch": step / 10}


def verl_lines(steps) -> str:
    return "".join(json.dumps({"step": s, "data": {"critic/score/mean": 0.4,
                                                   "perf/total_num_tokens": 1000}}) + "\n"
                   for s in steps)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def lmeval_dir(root: Path, models=("m", "m"), repeats=(1, 2), score=0.5) -> Path:
    for j, (model, k) in enumerate(zip(models, repeats)):
        write(root / f"results_2026-01-0{j + 1}T00-00-00.json", json.dumps({
            "results": {"gsm8k": {"exact_match,strict-match": score}}, "model_name": model,
            "configs": {"gsm8k": {"repeats": k, "generation_kwargs": {"max_gen_toks": 64}}}}))
    return root


def bad_inputs(tmp: Path, fx: Path) -> dict[str, tuple[list, str]]:
    """name -> (import args, a phrase the one-line error must hold)."""
    csv = fx / "wandb" / "grpo-history.csv"
    mixed_trl = tmp / "mixed-trl"
    write(mixed_trl / "checkpoint-2" / "trainer_state.json", state([trl_entry(1), trl_entry(2)]))
    write(mixed_trl / "checkpoint-4" / "trainer_state.json",
          state([trl_entry(1, 0.9), trl_entry(2), trl_entry(3), trl_entry(4)]))
    cases = {
        "trl on a CSV": (["trl", csv], "not a TRL trainer_state.json"),
        "trl without log_history": (["trl", write(tmp / "s.json", '{"global_step": 3}')],
                                    "no 'log_history'"),
        "trl directory without state": (["trl", fx / "verl"], "not a TRL run directory"),
        "verl on a JSON document": (["verl", write(tmp / "t.json", state([trl_entry(1)]) + "\n")],
                                    "not a verl record"),
        "verl on a CSV": (["verl", csv], "is not JSON"),
        "wandb on JSON lines": (["wandb", fx / "verl" / "metrics.jsonl"], "no step column"),
        "tensorboard on a CSV": (["tensorboard", csv], "not a TensorBoard event file"),
        "tensorboard on a directory without events": (["tensorboard", fx / "verl"],
                                                      "no TensorBoard event files"),
        "lm-eval on one file": (["lm-eval", csv], "one results file is one point"),
        "lm-eval on a directory without results": (["lm-eval", fx / "verl"], "no lm-evaluation"),
        "missing metric": (["verl", fx / "verl" / "metrics.jsonl", "--metric", "acc"],
                           "no metric 'acc' (metrics there: actor/kl_loss, critic/rewards/mean"),
        "missing lm-eval metric": (["lm-eval", fx / "lm-eval", "--metric", "acc,none"],
                                   "metrics there: gsm8k/exact_match,strict-match"),
        "no logged steps (trl)": (["trl", write(tmp / "e" / "trainer_state.json", state([]))],
                                  "no logged steps"),
        "no logged steps (verl)": (["verl", write(tmp / "empty.jsonl", "\n")], "no logged steps"),
        "non-monotonic (verl)": (["verl", write(tmp / "nm.jsonl", verl_lines([1, 3, 2]))],
                                 "non-monotonic steps"),
        "non-monotonic (trl)": (["trl", write(tmp / "nm" / "trainer_state.json",
                                              state([trl_entry(1), trl_entry(2), trl_entry(1)]))],
                                "non-monotonic steps"),
        "non-monotonic (wandb)": (["wandb", write(tmp / "nm.csv", "_step,reward\n1,0.2\n2,0.3\n"
                                                  "1,0.4\n")], "non-monotonic steps"),
        "mixed runs (trl checkpoints)": (["trl", mixed_trl], "mixed runs in one directory"),
        "mixed runs (wandb panel)": (["wandb", write(tmp / "panel.csv", "Step,a - reward,b - reward"
                                                     "\n1,0.1,0.2\n")], "mixed runs in one file"),
        "mixed runs (lm-eval models)": (["lm-eval", lmeval_dir(tmp / "le-mixed", ("a", "b"))],
                                        "mixed runs"),
        "lm-eval without a budget axis": (["lm-eval", lmeval_dir(tmp / "le-flat", repeats=(2, 2))],
                                          "do not differ in repeats or max_gen_toks"),
        "score outside [0, 1]": (["verl", write(tmp / "big.jsonl", verl_lines([1]).replace(
            '"critic/score/mean": 0.4', '"critic/score/mean": 3.0'))], "not a score in [0, 1]"),
        "MoE model config": (["verl", fx / "verl" / "metrics.jsonl", "--model-config",
                              write(tmp / "moe.json", json.dumps({**importer_runs.QWEN2_SHAPED,
                                                                  "num_experts": 64}))],
                             "mixture-of-experts"),
        "ungated model config": (["verl", fx / "verl" / "metrics.jsonl", "--model-config",
                                  write(tmp / "gpt2.json", '{"model_type": "gpt2"}')],
                                 "ungated MLP"),
        "both compute flags": (["verl", fx / "verl" / "metrics.jsonl", "--params", "1e9",
                                "--model-config", fx / "qwen2-0.5b-config.json"], "not both"),
        "unknown kind": (["mlflow", csv], "unknown import kind 'mlflow'"),
    }
    return cases


CASES = ["trl on a CSV", "trl without log_history", "trl directory without state",
         "verl on a JSON document", "verl on a CSV", "wandb on JSON lines", "tensorboard on a CSV",
         "tensorboard on a directory without events", "lm-eval on one file",
         "lm-eval on a directory without results", "missing metric", "missing lm-eval metric",
         "no logged steps (trl)", "no logged steps (verl)", "non-monotonic (verl)",
         "non-monotonic (trl)", "non-monotonic (wandb)", "mixed runs (trl checkpoints)",
         "mixed runs (wandb panel)", "mixed runs (lm-eval models)",
         "lm-eval without a budget axis", "score outside [0, 1]", "MoE model config",
         "ungated model config", "both compute flags", "unknown kind"]


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_one_line_exit_2_nothing_written(case, fixtures, tmp_path, capsys):  # noqa: F811
    pytest.importorskip("tensorboard")
    args, phrase = bad_inputs(tmp_path, fixtures)[case]
    out = tmp_path / "out.csv"
    code, stdout, err = run_cli(capsys, "import", *args, "-o", out)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("rlscale: error: "), err
    assert phrase in lines[0]
    assert not out.exists() and stdout == ""


def test_tensorboard_event_files_that_restart_their_steps_are_mixed_runs(fixtures, tmp_path,  # noqa: F811
                                                                           capsys):
    pytest.importorskip("torch")
    pytest.importorskip("tensorboard")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        importer_runs.write_summarywriter(tmp_path / "one", steps=4)
        importer_runs.write_summarywriter(tmp_path / "two", steps=4)
    run = tmp_path / "run"
    run.mkdir()
    for n, d in enumerate(("one", "two")):
        shutil.copy(next((tmp_path / d).glob("events*")), run / f"events.out.tfevents.{n}")
    code, _, err = run_cli(capsys, "import", "tensorboard", run)
    assert code == 2 and "mixed runs in one directory" in err


# ------------------------------------------------------------------------------------ fuzz

def _valid_texts(fx: Path) -> dict[str, tuple[str, str]]:
    lm = sorted((fx / "lm-eval").rglob("results_*.json"))[0]
    return {
        "trl": ("trainer_state.json", state([trl_entry(s) for s in range(1, 6)])),
        "verl": ("metrics.jsonl", (fx / "verl" / "metrics.jsonl").read_text()),
        "wandb": ("history.csv", (fx / "wandb" / "grpo-history.csv").read_text()),
        "lm-eval": ("results_2026-01-01T00-00-00.json", lm.read_text()),
    }


def _import_or_user_error(kind: str, path: Path) -> None:
    from rlscale.errors import RlscaleError
    from rlscale.importers import Options, import_run

    target = path.parent if kind == "lm-eval" else path
    try:
        import_run(kind, target, Options(metric=None))
    except RlscaleError as exc:
        assert "\n" not in str(exc)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(kind=st.sampled_from(["trl", "verl", "wandb", "lm-eval"]), data=st.data())
def test_fuzzed_files_give_a_user_error_or_a_table(kind, data, fixtures, tmp_path_factory):  # noqa: F811
    name, text = _valid_texts(fixtures)[kind]
    mode = data.draw(st.sampled_from(["truncate", "mutate", "random"]))
    if mode == "truncate":
        raw = text.encode()[: data.draw(st.integers(0, len(text)))]
    elif mode == "mutate":
        chars = list(text)
        for _ in range(data.draw(st.integers(1, 8))):
            i = data.draw(st.integers(0, len(chars) - 1))
            chars[i] = data.draw(st.sampled_from(list('{}[]",:0-9.\n eE-nulltrueNaN\x00\xff')))
        raw = "".join(chars).encode("utf-8", "surrogatepass")
    else:
        raw = data.draw(st.binary(max_size=400))
    d = tmp_path_factory.mktemp("fuzz")
    (d / name).write_bytes(raw)
    if kind == "lm-eval":  # a second, valid budget so the fuzzed file is not alone
        (d / "results_2026-02-01T00-00-00.json").write_text(text.replace('"repeats": 1', '"repeats": 3'))
    _import_or_user_error(kind, d / name)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(raw=st.binary(max_size=600), cut=st.integers(0, 4000))
def test_fuzzed_event_files_give_a_user_error_or_a_table(raw, cut, fixtures, tmp_path_factory):  # noqa: F811
    pytest.importorskip("tensorboard")
    events = sorted((fixtures / "tensorboard" / "verl-run").glob("events*"))
    d = tmp_path_factory.mktemp("tbfuzz")
    body = events[0].read_bytes()[:cut] + raw if events else raw
    (d / "events.out.tfevents.1").write_bytes(body)
    _import_or_user_error("tensorboard", d / "events.out.tfevents.1")
