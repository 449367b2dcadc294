"""Character-level tokenizer, built offline from the alphabet a task declares.

Every character of the alphabet is one token; a few special tokens come first so their ids are
stable whatever the alphabet (``pad`` = 0, ``bos`` = 1, ``eos`` = 2). No merges, no download, no
unknown-token fallback: text outside the alphabet is a user error, because a task that emits a
character its tokenizer cannot encode is a bug we want to see, not silently map to ``<unk>``.
"""

from __future__ import annotations

from collections.abc import Iterable

from rlscale.errors import RlscaleError

SPECIAL_TOKENS = ("<pad>", "<bos>", "<eos>")


class CharTokenizer:
    """Map characters of a fixed alphabet to integer ids and back.

    Parameters
    ----------
    alphabet : str
        The characters the task uses, each once (order fixes the ids; duplicates are an error).

    Attributes
    ----------
    pad_id, bos_id, eos_id : int
        Special ids 0, 1, 2.
    vocab_size : int
        ``len(SPECIAL_TOKENS) + len(alphabet)``.
    """

    def __init__(self, alphabet: str) -> None:
        if not isinstance(alphabet, str) or not alphabet:
            raise RlscaleError("tokenizer alphabet: must be a non-empty string")
        seen: set[str] = set()
        for ch in alphabet:
            if ch in seen:
                raise RlscaleError(f"tokenizer alphabet: character {ch!r} appears twice")
            seen.add(ch)
        self.alphabet = alphabet
        self.pad_id, self.bos_id, self.eos_id = 0, 1, 2
        self.n_special = len(SPECIAL_TOKENS)
        self._stoi = {ch: i + self.n_special for i, ch in enumerate(alphabet)}
        self._itos = {i: ch for ch, i in self._stoi.items()}
        self.vocab_size = self.n_special + len(alphabet)

    def encode(self, text: str, *, bos: bool = False, eos: bool = False) -> list[int]:
        """Return the ids of *text*, optionally framed by ``bos``/``eos``.

        Raises
        ------
        RlscaleError
            If *text* contains a character outside the alphabet.
        """
        try:
            ids = [self._stoi[ch] for ch in text]
        except KeyError as err:
            raise RlscaleError(
                f"tokenizer: character {err.args[0]!r} is not in the alphabet {self.alphabet!r}"
            ) from None
        return ([self.bos_id] if bos else []) + ids + ([self.eos_id] if eos else [])

    def decode(self, ids: Iterable[int], *, stop_at_eos: bool = True) -> str:
        """Return the text of *ids*, skipping special tokens.

        With ``stop_at_eos`` (default) decoding ends at the first ``eos``.
        """
        out = []
        for i in ids:
            i = int(i)
            if i == self.eos_id and stop_at_eos:
                break
            ch = self._itos.get(i)
            if ch is None:
                if 0 <= i < self.n_special:
                    continue
                raise RlscaleError(f"tokenizer: id {i} is outside the vocabulary (size {self.vocab_size})")
            out.append(ch)
        return "".join(out)

    def to_dict(self) -> dict:
        """JSON-serialisable description (saved in a run directory)."""
        return {"kind": "char", "alphabet": self.alphabet, "special_tokens": list(SPECIAL_TOKENS)}

    @classmethod
    def from_dict(cls, d: dict) -> CharTokenizer:
        """Rebuild a tokenizer saved with :meth:`to_dict`."""
        if d.get("kind") != "char" or list(d.get("special_tokens", [])) != list(SPECIAL_TOKENS):
            raise RlscaleError("tokenizer: saved tokenizer is not a CharTokenizer of this version")
        return cls(d["alphabet"])

    def __repr__(self) -> str:
        return f"CharTokenizer(alphabet={self.alphabet!r}, vocab_size={self.vocab_size})"
