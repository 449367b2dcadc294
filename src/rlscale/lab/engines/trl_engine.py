"""``engine = "trl"``: the lab's RL phase run by TRL's ``GRPOTrainer`` on a Hugging Face causal LM.

Adapt, don't fork: the trainer is TRL's, and rlscale adds three pieces to it.

- :class:`TaskReward`, a TRL reward function: the lab task's exact answer check
  (:meth:`Task.reward`) on each completion, from the problem's own columns of the dataset (TRL
  passes dataset columns to reward functions as keyword arguments, with ``completion_ids``);
- :func:`make_callback`, a ``TrainerCallback`` that fills the lab's FLOP ledger from the real
  prompt and completion lengths of every rollout with the lab's formulas (:mod:`rlscale.lab.flops`;
  the model's shape from its config, grouped-query attention included): rollout prefill + decode,
  ``num_iterations`` x (forward + backward), a forward for the old log-probabilities when
  ``num_iterations > 1`` and one for the reference when ``beta > 0`` (TRL runs exactly these), and
  asks TRL to save a checkpoint at the lab's log-spaced checkpoint steps;
- the lab's problems in the lab's order: step s trains on the problems ``random.Random(f"{seed}:rl:
  {s}")`` draws, as the native engine does, and on the same prompt format (a chat model gets its
  chat template and a one-line instruction with a worked example).

The policy is a local model directory (``model.hf_path``: no pre-training, evaluated by
:mod:`rlscale.lab.engines.hf_eval` with batched ``generate``) or, without one, the lab's own
pre-trained policy exported with :meth:`Policy.to_hf` (native pre-training; its checkpoints are
mapped back onto the lab's policy and evaluated by the lab's own sampler: the same evaluation as a
native run). A killed run resumes from its last checkpoint (TRL's ``resume_from_checkpoint``); the
ledger is saved inside every checkpoint.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from rlscale import runformat as rf
from rlscale.errors import RlscaleError
from rlscale.lab import flops as flopmath
from rlscale.lab.flops import FlopLedger
from rlscale.lab.store import atomic_write_json

LEDGER_FILE = rf.TRL_CHECKPOINT_LEDGER
TRL_DIR = "trl"                       # TRL's output_dir, under the run's checkpoints/
HF_BASE = "hf-base"                   # the lab's pre-trained policy exported for TRL


@dataclass
class Policy:
    """The model TRL trains: its directory, tokenizer, FLOP shape and how checkpoints are scored."""

    model_dir: Path
    tokenizer: object
    shape: object            # ModelConfig (the lab's policy) or ModelShape (a Hugging Face config)
    lab: bool                # the lab's own exported policy (evaluated by the lab's sampler)
    pretrain_flops: float
    chat: bool


def prompt_token_count(tokenizer, prompt) -> int:
    """Prompt tokens as TRL 1.16 tokenizes them (chat template with the generation prompt)."""
    if isinstance(prompt, list):
        out = tokenizer.apply_chat_template(conversation=[prompt], add_generation_prompt=True,
                                            tokenize=True, return_dict=True)
        return len(out["input_ids"][0])
    return len(tokenizer(text=[prompt])["input_ids"][0])


def training_dataset(ctx, policy: Policy):
    """The lab's training problems, step by step, as a ``datasets.Dataset`` (prompts + answers)."""
    from rlscale.lab.engines.hf_eval import chat_prompt

    from datasets import Dataset

    cfg, task = ctx.cfg, ctx.task
    rows = {"prompt": [], "problem_prompt": [], "solution": [], "answer": [], "prompt_tokens": []}
    for step in range(cfg.rl.steps):
        rng = random.Random(f"{cfg.seed}:rl:{step}")   # the native engine's problems of this step
        for _ in range(cfg.rl.prompts_per_step):
            p = task.sample("train", rng)
            prompt = chat_prompt(task, p) if policy.chat else p.prompt
            rows["prompt"].append(prompt)
            rows["problem_prompt"].append(p.prompt)
            rows["solution"].append(p.solution)
            rows["answer"].append(p.answer)
            rows["prompt_tokens"].append(prompt_token_count(policy.tokenizer, prompt))
    return Dataset.from_dict(rows)


class TaskReward:
    """TRL reward function: the lab task's exact-answer reward (1/0) of every completion."""

    __name__ = "task_reward"  # TRL logs rewards/<__name__>/mean

    def __init__(self, task, on_batch=None) -> None:
        self.task, self.on_batch = task, on_batch

    def __call__(self, prompts, completions, completion_ids, problem_prompt, solution, answer,
                 prompt_tokens, **_):
        from rlscale.lab.tasks import Problem

        texts = [c if isinstance(c, str) else c[-1]["content"] for c in completions]
        rewards = [self.task.reward(Problem(p, s, a), t)
                   for p, s, a, t in zip(problem_prompt, solution, answer, texts, strict=True)]
        if self.on_batch is not None:
            self.on_batch(list(prompt_tokens), [len(c) for c in completion_ids], rewards, texts,
                          [list(c) for c in completion_ids])
        return rewards


def step_flops(shape, rl, prompt_lens, completion_lens) -> dict[str, int]:
    """Ledger components of one rollout batch: what TRL runs on it, with the lab's formulas."""
    lp = flopmath.logprob_flops(shape, prompt_lens, completion_lens)
    out = {"rollout_prefill": flopmath.prefill_flops(shape, prompt_lens),
           "rollout_decode": flopmath.decode_flops(shape, prompt_lens, completion_lens),
           "train_forward_backward": flopmath.TRAIN_MULTIPLIER * lp * rl.num_iterations}
    if rl.num_iterations > 1:   # TRL computes old log-probs only when the ratio can differ from 1
        out["old_logprobs"] = lp
    if rl.beta > 0:             # the reference model's forward, only with a KL term
        out["ref_logprobs"] = lp
    return out


def make_callback(ledger: FlopLedger, shape, rl, save_steps: set[int], on_log, progress=None):
    """The ``TrainerCallback`` that keeps *ledger*, saves at *save_steps* (TRL global steps) and
    writes the step log; also returns the reward hook that feeds it each rollout's lengths."""
    from transformers import TrainerCallback

    class _Ledger(TrainerCallback):
        def __init__(self) -> None:
            self.ledger, self.batch, self.bar = ledger, None, None

        def add_batch(self, prompt_lens, completion_lens, rewards, texts, ids) -> None:
            for component, value in step_flops(shape, rl, prompt_lens, completion_lens).items():
                self.ledger.add(component, value)
            self.batch = {"rewards": rewards, "completion_lens": completion_lens, "texts": texts,
                          "completion_ids": ids, "prompt_lens": prompt_lens}

        def on_train_begin(self, args, state, control, **kw):
            if progress is not None:
                self.bar = progress.add_task("RL (GRPO, TRL)", total=args.max_steps,
                                             completed=state.global_step)

        def on_step_end(self, args, state, control, **kw):
            if state.global_step in save_steps:
                control.should_save = True
            if self.bar is not None:
                progress.update(self.bar, completed=state.global_step)
            return control

        def on_save(self, args, state, control, **kw):
            path = Path(args.output_dir) / f"checkpoint-{state.global_step}" / LEDGER_FILE
            atomic_write_json(path, self.ledger.to_dict())

        def on_log(self, args, state, control, logs=None, **kw):
            if logs and "reward" in logs and self.batch is not None:
                on_log(state.global_step, logs, self.batch, self.ledger.rl_total)

    return _Ledger()


def log_record(global_step: int, mu: int, logs: dict, batch: dict, rl_flops) -> dict:
    """One step-log record (``runformat.LOG``) per TRL step, in the native engine's field names."""
    lens = batch["completion_lens"]
    rec = {"phase": "rl", "step": -(-global_step // mu), "trl_step": global_step,
           "reward_mean": round(float(logs["reward"]), 6),
           "completion_len": round(sum(lens) / len(lens), 3),
           "loss": round(float(logs.get("loss", float("nan"))), 8),
           "lr": logs.get("learning_rate"), "rl_flops": rl_flops}
    if "kl" in logs:
        rec["kl"] = round(float(logs["kl"]), 8)
    return rec


# ------------------------------------------------------------------------------- the policy
def prepare_policy(ctx) -> Policy:
    """The model to train: ``model.hf_path``, or the lab's pre-trained policy exported (step 0
    evaluated here, the same way as the native engine evaluates it)."""
    from rlscale.lab import hf

    cfg = ctx.cfg
    if cfg.model.hf_path:
        model_dir = Path(cfg.model.hf_path).expanduser()   # checked by check_trl_options
        tok = hf.load_tokenizer(model_dir)
        _check_alphabet(tok, ctx.task, model_dir)
        return Policy(model_dir, tok, hf.hf_shape(model_dir), lab=False, pretrain_flops=0.0,
                      chat=bool(getattr(tok, "chat_template", None)))
    base, pretrain_flops = ctx.base_state()
    ctx.evaluate(0, base, 0.0)
    model_dir = ctx.run.checkpoints / HF_BASE
    if not (model_dir / rf.HF_MODEL_CONFIG).is_file():
        hf.export_policy(base, ctx.mcfg, ctx.tok, model_dir)
    return Policy(model_dir, hf.load_tokenizer(model_dir), ctx.mcfg, lab=True,
                  pretrain_flops=pretrain_flops, chat=False)


def _check_alphabet(tok, task, model_dir) -> None:
    """A tokenizer that cannot write the task's characters cannot be graded: say so up front."""
    unk = getattr(tok, "unk_token_id", None)
    missing = [ch for ch in task.alphabet
               if not tok.encode(ch, add_special_tokens=False)
               or (unk is not None and unk in tok.encode(ch, add_special_tokens=False))]
    if missing:
        raise RlscaleError(f"config key 'model.hf_path': the tokenizer cannot encode the task's "
                           f"characters {''.join(missing)!r}", file=str(model_dir))


# ------------------------------------------------------------------------------- the trainer
def build_trainer(ctx, policy: Policy, ledger: FlopLedger, *, on_log, extra_args=None,
                  eager: bool = False):
    """TRL's ``GRPOTrainer`` with the lab's options, reward and ledger callback (*extra_args*:
    more ``GRPOConfig`` arguments; *eager*: attention as plain matmuls, visible to FlopCounterMode)."""
    import torch
    from transformers import PrinterCallback
    from trl import GRPOConfig, GRPOTrainer

    from rlscale.lab import hf
    from rlscale.lab.engines.options import grpo_config_kwargs

    cfg = ctx.cfg
    mu = cfg.rl.num_iterations
    save = {s * mu for s in ctx.steps}
    cuda = torch.cuda.is_available()
    args = GRPOConfig(output_dir=str(ctx.run.checkpoints / TRL_DIR), report_to="none",
                      logging_steps=1, save_strategy="no", disable_tqdm=True,
                      use_cpu=not cuda, bf16=cuda and torch.cuda.is_bf16_supported(),
                      dataloader_num_workers=0, activation_checkpointing=False,
                      **grpo_config_kwargs(cfg, ctx.max_new), **(extra_args or {}))
    callback = make_callback(ledger, policy.shape, cfg.rl, save, on_log, ctx.progress)
    model = hf.load_model(policy.model_dir, eager=eager)
    trainer = GRPOTrainer(model=model, reward_funcs=TaskReward(ctx.task, callback.add_batch),
                          args=args, train_dataset=training_dataset(ctx, policy),
                          processing_class=policy.tokenizer, callbacks=[callback])
    trainer.remove_callback(PrinterCallback)  # TRL's log dicts on stderr; the step log has them
    return trainer, callback


def _last_checkpoint(out: Path, mu: int, steps: list[int]) -> tuple[int, Path | None]:
    """(lab step, directory) of the newest checkpoint that holds its ledger (else (0, None))."""
    for s in reversed(steps):
        path = out / f"checkpoint-{s * mu}"
        if (path / LEDGER_FILE).is_file():
            return s, path
    return 0, None


def run_trl(ctx) -> dict:
    """The RL phase with TRL: train (or resume), evaluate every checkpoint; returns the ledger."""
    from rlscale.lab.engines.hf_eval import quiet_hf

    cfg, run = ctx.cfg, ctx.run
    mu = cfg.rl.num_iterations
    with quiet_hf():
        policy = prepare_policy(ctx)
        if not policy.lab:
            _evaluate(ctx, policy, 0, policy.model_dir, 0.0)
        out = run.checkpoints / TRL_DIR
        start, resume_from = _last_checkpoint(out, mu, ctx.steps)
        ledger = FlopLedger({"pretrain": policy.pretrain_flops})
        if resume_from is not None:
            ledger = FlopLedger(json.loads((resume_from / LEDGER_FILE).read_text()))
        run.truncate_log(lambda r: r.get("phase") == "pretrain" or r["step"] <= start)
        if start < cfg.rl.steps:
            trainer, _ = build_trainer(ctx, policy, ledger, on_log=lambda g, logs, batch, f:
                                       run.append_log(log_record(g, mu, logs, batch, f)))
            trainer.train(resume_from_checkpoint=str(resume_from) if resume_from else None)
            del trainer
        for s in ctx.steps:
            ck = out / f"checkpoint-{s * mu}"
            done = FlopLedger(json.loads((ck / LEDGER_FILE).read_text()))
            _evaluate(ctx, policy, s, ck, done.rl_total)
    return ledger.to_dict()


def _evaluate(ctx, policy: Policy, step: int, model_dir: Path, rl_flops: float) -> dict:
    """The cached evaluation of a checkpoint: the lab's sampler for the lab's policy, batched
    Hugging Face ``generate`` for any other model."""
    from rlscale.lab import hf
    from rlscale.lab.engines.hf_eval import evaluate_hf
    from rlscale.lab.rl import derive_seed

    cached = ctx.run.read_eval(step)
    if cached is not None:
        return cached
    model = hf.load_model(model_dir)
    if policy.lab:
        return ctx.evaluate(step, hf.policy_state_from_hf(model.state_dict(), ctx.mcfg), rl_flops)
    doc = evaluate_hf(model, policy, ctx.task, ctx.test, ctx.cfg.eval, max_new=ctx.max_new,
                      seed=derive_seed(ctx.cfg.seed, "eval", step), progress=ctx.progress,
                      label=f"evaluating step {step}")
    doc.update(step=step, rl_flops=rl_flops)
    ctx.run.write_eval(step, doc)
    return doc
