"""Lab configs shared by the tests (not a test module)."""

# a run small enough for a unit test (a few seconds): one-digit addition, depth-1 policy
TINY = {
    "task": {"name": "arithmetic", "difficulty": 1},
    "model": {"depth": 1},
    "pretrain": {"flop_budget": 3e9, "batch_size": 16, "warmup_steps": 2, "checkpoint_every": 5},
    "rl": {"steps": 3, "prompts_per_step": 2, "num_generations": 4, "num_checkpoints": 2},
    "eval": {"num_problems": 4, "samples_per_problem": 64, "thinking_budgets": 2,
             "think_samples": 2},
}
