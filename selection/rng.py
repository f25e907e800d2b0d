"""A deterministic random generator derived from a text seed (SHA-256 in counter mode).

The same seed and purpose give the same stream of integers on every machine and Python build:
the stream is ``SHA-256(label || counter)`` for counter = 0, 1, 2, ..., where
``label = "opendlp-selection/v1\\0" + purpose + "\\0" + seed`` (UTF-8), and the counter is an
8-byte big-endian integer. Uniform integers are drawn by rejection sampling, so they are exactly
unbiased. There is no module-level random state.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

_DOMAIN = b"opendlp-selection/v1\x00"


def new_seed() -> str:
    """A fresh seed: 256 bits from :mod:`secrets`, as 64 lowercase hex characters."""
    return secrets.token_hex(32)


class SeededRandom:
    """Deterministic random numbers from a text seed.

    Args:
        seed: any text (the published seed of a draw).
        purpose: text that separates independent streams derived from the same seed
            (e.g. ``"draw"``, ``"legacy/3"``).
    """

    def __init__(self, seed: str, purpose: str = "") -> None:
        if not isinstance(seed, str):
            raise TypeError("seed must be text")
        self._label = _DOMAIN + purpose.encode("utf-8") + b"\x00" + seed.encode("utf-8")
        self._counter = 0
        self._buffer = b""

    def _bytes(self, count: int) -> bytes:
        while len(self._buffer) < count:
            block = hashlib.sha256(self._label + self._counter.to_bytes(8, "big")).digest()
            self._counter += 1
            self._buffer += block
        out, self._buffer = self._buffer[:count], self._buffer[count:]
        return out

    def getrandbits(self, bits: int) -> int:
        """A uniform integer in ``[0, 2**bits)`` (bits >= 0)."""
        if bits <= 0:
            return 0
        value = int.from_bytes(self._bytes((bits + 7) // 8), "big")
        return value >> ((8 - bits % 8) % 8)

    def randbelow(self, n: int) -> int:
        """A uniform integer in ``[0, n)`` by rejection sampling; raises ValueError if n < 1."""
        if n < 1:
            raise ValueError("randbelow needs n >= 1")
        bits = (n - 1).bit_length()
        while True:
            value = self.getrandbits(bits)
            if value < n:
                return value

    def choice(self, items: Sequence[T]) -> T:
        """One item of a non-empty sequence, uniformly."""
        return items[self.randbelow(len(items))]

    def sample(self, items: Sequence[T], count: int) -> list[T]:
        """``count`` distinct items, uniformly, in the order drawn (partial Fisher-Yates)."""
        pool = list(items)
        if not 0 <= count <= len(pool):
            raise ValueError("sample size out of range")
        for i in range(count):
            j = i + self.randbelow(len(pool) - i)
            pool[i], pool[j] = pool[j], pool[i]
        return pool[:count]

    def uniform_weights(self, count: int, bits: int = 30) -> list[float]:
        """``count`` numbers in ``(0, 1]`` (multiples of ``2**-bits``), for solver weights."""
        scale = float(1 << bits)
        return [(self.getrandbits(bits) + 1) / scale for _ in range(count)]
