"""The lab's one log-prob function: packed rows give each completion token's log-prob given its prefix."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from rlscale.lab.logprobs import pack, token_logprobs  # noqa: E402
from rlscale.lab.model import ModelConfig, Policy  # noqa: E402

pytestmark = [pytest.mark.lab, pytest.mark.usefixtures("one_torch_thread")]


class _Tok:
    pad_id = 0


def test_token_logprobs_of_packed_rows_match_a_per_row_forward_and_carry_gradients():
    model = Policy(ModelConfig.from_size(1, vocab_size=14, max_seq_len=32), seed=0)
    prompts = [[1, 4, 5], [1, 7], [1, 3, 3, 8, 9], [1]]
    completions = [[5, 6, 7], [8], [9, 10, 11, 12, 13], [3, 4]]
    ids, mask = pack(_Tok(), prompts, completions)
    assert ids.shape == (4, 10) and mask.sum().item() == sum(map(len, completions))
    lp = token_logprobs(model, ids)
    assert lp.shape == (4, 9) and lp.requires_grad
    for i, (p, c) in enumerate(zip(prompts, completions, strict=True)):
        with torch.no_grad():
            logp = model(torch.tensor([p + c]))[0].log_softmax(-1)   # unpadded row on its own
        expected = torch.stack([logp[len(p) - 1 + j, t] for j, t in enumerate(c)])
        got = lp[i][mask[i, 1:]].detach()
        torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)
    (lp * mask[:, 1:]).sum().backward()
    assert model.lm_head.grad is not None and model.lm_head.grad.abs().sum() > 0
