"""Make the importer tests' fixtures (not collected by pytest); the docs' examples use them too.

``python tests/importer_runs.py all DIR`` writes every fixture under DIR with the names
docs/your-runs.md uses; ``python tests/importer_runs.py trl OUT`` makes the TRL run alone.

The TRL run is made by the real tool: ``trl`` runs TRL's GRPO for a few steps on a tiny random Llama
built from a config (no download: the tokenizer is a character-level ``tokenizers`` model built
here), with ``report_to="tensorboard"``. It writes the run into OUT (``trainer_state.json``,
``checkpoint-N/``, ``runs/*/events.out.tfevents.*``, ``config.json``) plus ``measured.json``:
the prompt and completion lengths of every training rollout (recorded by the reward function)
and the FLOPs that ``torch.utils.flop_counter.FlopCounterMode`` counted for training and for
evaluation. It runs in a subprocess so that its warnings and threads stay out of pytest.
"""

from __future__ import annotations

import json
import math
import sys
import warnings
from pathlib import Path

STEPS = 8          # GRPO steps
BATCH = 8          # completions per step (per_device_train_batch_size; one process, no accumulation)
GENERATIONS = 4    # the GRPO group size
MAX_COMPLETION = 12
PROBLEMS = 100   # lm-eval fixture: problems evaluated per budget


def char_tokenizer():
    """A character-level PreTrainedTokenizerFast built offline (rlscale.lab.hf.char_tokenizer)."""
    from rlscale.lab.hf import char_tokenizer as build

    vocab = {"<pad>": 0, "<eos>": 1, "<bos>": 2}
    for ch in "0123456789+-*= abcdefghijklmnopqrstuvwxyz?":
        vocab[ch] = len(vocab)
    return build(vocab, pad="<pad>", eos="<eos>", bos="<bos>", unk="?")


def tiny_llama(vocab_size: int):
    from transformers import LlamaConfig, LlamaForCausalLM

    cfg = LlamaConfig(vocab_size=vocab_size, hidden_size=32, intermediate_size=64,
                      num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                      max_position_embeddings=64, pad_token_id=0, eos_token_id=1, bos_token_id=2)
    return LlamaForCausalLM(cfg)


def run_trl(out: Path) -> None:
    import torch
    from datasets import Dataset
    from torch.utils.flop_counter import FlopCounterMode
    from trl import GRPOConfig, GRPOTrainer

    torch.manual_seed(0)
    torch.set_num_threads(1)
    tok = char_tokenizer()
    model = tiny_llama(len(tok.get_vocab()))
    train = Dataset.from_dict({"prompt": [f"{a}+{b}=" for a in range(10) for b in range(10)]})
    evals = Dataset.from_dict({"prompt": ["3+4=", "12+5=", "7+70=", "1+1="]})
    rollouts: list[dict] = []

    def digit_fraction(prompts, completions, completion_ids, **kwargs):
        """Fraction of digits among the completion's characters (a score in [0, 1])."""
        if model.training:
            rollouts.append({"prompt_lens": [len(tok(p).input_ids) for p in prompts],
                             "completion_lens": [len(ids) for ids in completion_ids]})
        return [sum(ch.isdigit() for ch in c) / max(len(c), 1) for c in completions]

    args = GRPOConfig(output_dir=str(out), use_cpu=True, seed=0, per_device_train_batch_size=BATCH,
                      num_generations=GENERATIONS, max_completion_length=MAX_COMPLETION,
                      max_steps=STEPS, logging_steps=1, save_steps=4, eval_strategy="steps",
                      eval_steps=2, per_device_eval_batch_size=8, report_to="tensorboard",
                      learning_rate=2e-2, gradient_checkpointing=False, bf16=False,
                      dataloader_num_workers=0,
                      # every completion MAX_COMPLETION tokens: no padding in a batch, so that
                      # FlopCounterMode's count does not depend on which rows stopped early
                      generation_kwargs={"min_new_tokens": MAX_COMPLETION})
    trainer = GRPOTrainer(model=model, reward_funcs=digit_fraction, args=args, train_dataset=train,
                          eval_dataset=evals, processing_class=tok)
    eval_flops = []  # a FlopCounterMode starts from zero at every __enter__: one per evaluation
    evaluate = trainer.evaluate

    def counted_evaluate(*a, **kw):
        with FlopCounterMode(display=False) as inner:
            out = evaluate(*a, **kw)
        eval_flops.append(inner.get_total_flops())
        return out

    trainer.evaluate = counted_evaluate
    counter = FlopCounterMode(display=False)
    with counter:
        trainer.train()
    trainer.save_state()
    model.config.save_pretrained(out)
    total, evaluated = counter.get_total_flops(), sum(eval_flops)
    (out / "measured.json").write_text(json.dumps({
        "rollouts": rollouts, "flop_counter_total": total, "flop_counter_eval": evaluated,
        "flop_counter_train": total - evaluated, "steps": STEPS, "batch": BATCH}), encoding="utf-8")


# --------------------------------------------------------------------------- schema fixtures
# Written to the tools' published formats with made-up but plausible numbers (deterministic).

QWEN2_SHAPED = {  # a decoder config of Qwen2.5-0.5B's published dimensions
    "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 896,
    "intermediate_size": 4864, "num_hidden_layers": 24, "num_attention_heads": 14,
    "num_key_value_heads": 2, "vocab_size": 151936, "max_position_embeddings": 32768,
    "tie_word_embeddings": True, "hidden_act": "silu"}


def _score(step: float, base: float, slope: float, k: int) -> float:
    """base + slope x log10(step), with a small deterministic wiggle."""
    return round(base + slope * math.log10(step) + 0.01 * math.sin(3.7 * k), 4)


def write_verl(path: Path, steps: int = 20) -> Path:
    """verl's file logger: one {"step", "data"} object per step (GRPO with a KL loss)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [{"step": 0, "data": {"val-core/openai/gsm8k/reward/mean@1": 0.21}}]
    for s in range(1, steps + 1):
        prompt, response = 118.0, 260.0 + 9.0 * s
        data = {"critic/score/mean": _score(s, 0.25, 0.2, s), "critic/rewards/mean": 0.0,
                "prompt_length/mean": prompt, "response_length/mean": response,
                "perf/total_num_tokens": int(64 * (prompt + response)), "actor/kl_loss": 0.001 * s,
                "timing_s/gen": 11.0, "timing_s/old_log_prob": 2.0, "timing_s/ref": 2.0,
                "timing_s/update_actor": 6.0, "timing_s/step": 21.0, "training/global_step": s}
        if s % 2 == 0:
            data["val-core/openai/gsm8k/reward/mean@1"] = _score(s, 0.24, 0.18, s)
        lines.append({"step": s, "data": data})
    path.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    return path


def write_wandb(path: Path, steps: int = 16) -> Path:
    """A W&B run-history CSV export of a TRL GRPO run (sparse: eval rows apart)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    cols = ["_step", "_runtime", "_timestamp", "train/global_step", "train/epoch", "train/reward",
            "train/num_tokens", "train/completions/mean_length", "eval/reward"]
    rows, tokens, k = [cols], 0, 0
    for s in range(1, steps + 1):
        length = 150.0 + 5 * s
        tokens += 16 * (60 + length)
        rows.append([k, 3.1 * s, 1.7e9 + 3.1 * s, s, s / 100, _score(s, 0.3, 0.2, s), tokens,
                     length, ""])
        k += 1
        if s % 2 == 0:
            rows.append([k, 3.1 * s + 1, 1.7e9 + 3.1 * s + 1, s, s / 100, "", "", "",
                         _score(s, 0.28, 0.17, s)])
            k += 1
    path.write_text("".join(",".join(str(c) for c in r) + "\n" for r in rows), encoding="utf-8")
    return path


def write_lmeval(root: Path, model: str = "my-org/tiny-policy") -> Path:
    """lm-eval results (+ samples) of one model at repeats = 1, 2, 4, 8, 16."""
    out = root / model.replace("/", "__")
    out.mkdir(parents=True, exist_ok=True)
    for j, k in enumerate((1, 2, 4, 8, 16)):
        date = f"2026-01-0{j + 1}T10-00-00.000000"
        score = round(0.22 + 0.09 * math.log2(k), 4)
        doc = {"results": {"gsm8k": {"alias": "gsm8k", "exact_match,strict-match": score,
                                     "exact_match_stderr,strict-match": 0.012}},
               "group_subtasks": {"gsm8k": []},
               "configs": {"gsm8k": {"task": "gsm8k", "repeats": k, "output_type": "generate_until",
                                     "generation_kwargs": {"max_gen_toks": 256, "do_sample": True,
                                                           "until": ["Question:"]}}},
               "versions": {"gsm8k": 3.0}, "n-shot": {"gsm8k": 5},
               "higher_is_better": {"gsm8k": {"exact_match": True}},
               "n-samples": {"gsm8k": {"original": 1319, "effective": PROBLEMS}},
               "config": {"model": "hf", "model_args": f"pretrained={model}", "batch_size": 1,
                          "limit": PROBLEMS, "gen_kwargs": None},
               "model_name": model, "model_name_sanitized": model.replace("/", "__"),
               "date": 1767261600.0 + j, "lm_eval_version": "0.4.9"}
        (out / f"results_{date}.json").write_text(json.dumps(doc, indent=2), encoding="utf-8")
        samples = []
        for d in range(PROBLEMS):
            resps = [[f"{'step ' * (3 + (d + r) % 7)}the answer is {d + r}" for r in range(k)]]
            samples.append({"doc_id": d, "doc": {"question": f"q{d}"}, "target": str(d),
                            "arguments": {"gen_args_0": {"arg_0": f"q{d}", "arg_1": {}}},
                            "resps": resps, "filtered_resps": [resps[0][0]],
                            "filter": "strict-match", "metrics": ["exact_match"],
                            "exact_match": 1.0 if d % 3 == 0 else 0.0})
        (out / f"samples_gsm8k_{date}.jsonl").write_text(
            "".join(json.dumps(x) + "\n" for x in samples), encoding="utf-8")
    return root


def write_tokenizer(path: Path) -> Path:
    """A character-level tokenizer.json (the lm-eval example counts generated tokens with it)."""
    char_tokenizer().backend_tokenizer.save(str(path))
    return path


def write_summarywriter(logdir: Path, steps: int = 12) -> Path:
    """verl's tensorboard logger: torch.utils.tensorboard.SummaryWriter, verl's keys as tags."""
    from torch.utils.tensorboard import SummaryWriter

    writer = SummaryWriter(str(logdir))
    for s in range(1, steps + 1):
        prompt, response = 90.0, 300.0 + 6.0 * s
        for tag, value in {"critic/score/mean": _score(s, 0.2, 0.22, s),
                           "prompt_length/mean": prompt, "response_length/mean": response,
                           "perf/total_num_tokens": 32 * (prompt + response),
                           "timing_s/gen": 5.0, "timing_s/old_log_prob": 1.0,
                           "timing_s/update_actor": 3.0}.items():
            writer.add_scalar(tag, value, s)
        if s % 2 == 0:
            writer.add_scalar("val-core/math/acc/mean@1", _score(s, 0.2, 0.2, s), s)
    writer.close()
    return logdir


def schema_fixtures(root: Path) -> Path:
    """The fixtures written to published schemas (fast, no torch), once per ``root``."""
    if not (root / "verl" / "metrics.jsonl").exists():
        root.mkdir(parents=True, exist_ok=True)
        (root / "qwen2-0.5b-config.json").write_text(json.dumps(QWEN2_SHAPED, indent=2),
                                                     encoding="utf-8")
        write_verl(root / "verl" / "metrics.jsonl")
        write_wandb(root / "wandb" / "grpo-history.csv")
        write_lmeval(root / "lm-eval")
    return root


def trl_fixture(root: Path) -> Path:
    """The TRL GRPO run under ``root/trl/grpo-tiny``, made once (in a subprocess)."""
    import subprocess

    run = root / "trl" / "grpo-tiny"
    if not (run / "measured.json").exists():
        proc = subprocess.run([sys.executable, __file__, "trl", str(run)], capture_output=True,
                              text=True, timeout=900)
        if proc.returncode != 0:
            raise RuntimeError(f"the TRL fixture run failed:\n{proc.stderr[-3000:]}")
    return run


def write_all(root: Path) -> None:
    """Every fixture under ``root`` with docs/your-runs.md's names."""
    schema_fixtures(root)
    write_tokenizer(root / "tokenizer.json")
    write_summarywriter(root / "tensorboard" / "verl-run")
    trl_fixture(root)


if __name__ == "__main__":
    kind, target = sys.argv[1], Path(sys.argv[2])
    warnings.simplefilter("ignore")
    if kind == "trl":
        run_trl(target)
    elif kind == "all":
        write_all(target)
    else:
        raise SystemExit(f"unknown fixture kind {kind!r} (trl or all)")
