"""Make the importer tests' fixtures with the real tools (not collected by pytest).

``python tests/importer_runs.py trl OUT`` runs TRL's GRPO for a few steps on a tiny random Llama
built from a config (no download: the tokenizer is a character-level ``tokenizers`` model built
here), with ``report_to="tensorboard"``. It writes the run into OUT (``trainer_state.json``,
``checkpoint-N/``, ``runs/*/events.out.tfevents.*``, ``config.json``) plus ``measured.json``:
the prompt and completion lengths of every training rollout (recorded by the reward function)
and the FLOPs that ``torch.utils.flop_counter.FlopCounterMode`` counted for training and for
evaluation. It runs in a subprocess so that its warnings and threads stay out of pytest.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

STEPS = 8          # GRPO steps
BATCH = 8          # completions per step (per_device_train_batch_size; one process, no accumulation)
GENERATIONS = 4    # the GRPO group size
MAX_COMPLETION = 12


def char_tokenizer():
    """A character-level PreTrainedTokenizerFast built offline."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {"<pad>": 0, "<eos>": 1, "<bos>": 2}
    for ch in "0123456789+-*= abcdefghijklmnopqrstuvwxyz?":
        vocab[ch] = len(vocab)
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="?"))
    tok.pre_tokenizer = pre_tokenizers.Split(pattern="", behavior="isolated")
    tok.decoder = decoders.Fuse()
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="<eos>",
                                   bos_token="<bos>", unk_token="?")


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
                      dataloader_num_workers=0)
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


if __name__ == "__main__":
    kind, target = sys.argv[1], Path(sys.argv[2])
    warnings.simplefilter("ignore")
    if kind != "trl":
        raise SystemExit(f"unknown fixture kind {kind!r}")
    run_trl(target)
