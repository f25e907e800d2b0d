"""The draw, in plain Python: how a winner follows from a seed, and how ballots are digested.

No Django here, so anyone can check a published result with this file alone:

1. List the ids of the lottery's eligible ballots in increasing order; the digest is the
   SHA-256 (hex) of the ids written in decimal, each followed by a newline ``"\\n"``
   (e.g. ``b"3\\n7\\n12\\n"``). Their number is the ballot count ``n``.
2. For ``counter = 0, 1, 2, ...`` compute ``SHA-256(DRAW_DOMAIN || seed || counter)``, with the
   32 seed bytes and the counter as 8 bytes big-endian, read it as a 256-bit big-endian
   integer ``x``, and accept the first ``x < floor(2**256 / n) * n`` (rejection sampling, so
   no value of ``x mod n`` is more likely than another). The winner's rank is ``x mod n``.
3. The winning ballot is the one at that rank (0-based) in the ordered list of step 1.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Iterator
from itertools import count as counter_from_zero
from itertools import islice

#: Domain-separation prefix of every hash block of the draw (bytes, ASCII).
DRAW_DOMAIN = b"opendlp.lottery.draw.v1"
#: Seed length in bytes (256 bits).
SEED_BYTES = 32
_SPACE = 1 << 256
_DIGEST_BATCH = 10_000


def seed_new() -> str:
    """Return a fresh 256-bit seed from :mod:`secrets`, as 64 lower-case hex characters."""
    return secrets.token_hex(SEED_BYTES)


def seed_bytes(seed_hex: str) -> bytes:
    """Decode a seed written as 64 hex characters.

    Raises:
        ValueError: when it is not exactly 32 bytes of hex.
    """
    raw = bytes.fromhex(seed_hex)
    if len(raw) != SEED_BYTES:
        raise ValueError(f"a seed is {SEED_BYTES} bytes ({2 * SEED_BYTES} hex characters)")
    return raw


def seed_blocks(seed_hex: str) -> Iterator[int]:
    """Yield the draw's stream of 256-bit integers for a seed (step 2 of the module doc)."""
    seed = seed_bytes(seed_hex)
    for counter in counter_from_zero():
        block = hashlib.sha256(DRAW_DOMAIN + seed + counter.to_bytes(8, "big")).digest()
        yield int.from_bytes(block, "big")


def index_from_blocks(blocks: Iterable[int], count: int) -> int:
    """Map a stream of uniform 256-bit integers to a uniform index in ``range(count)``.

    Values at or above the largest multiple of ``count`` that fits in 256 bits are rejected,
    so every index has exactly the same probability (no modulo bias).

    Args:
        blocks: integers in ``[0, 2**256)``.
        count: the number of candidates, at least 1.

    Returns:
        The index, ``0 <= index < count``.

    Raises:
        ValueError: ``count`` is less than 1, or ``blocks`` ran out before a value was accepted.
    """
    if count < 1:
        raise ValueError("there must be at least one candidate")
    limit = _SPACE - (_SPACE % count)
    for value in blocks:
        if value < limit:
            return value % count
    raise ValueError("the block stream ended before a value was accepted")


def winner_index(*, seed_hex: str, count: int) -> int:
    """Return the winner's 0-based rank among ``count`` ordered eligible ballots.

    Deterministic: the same seed and count give the same rank on any machine.

    Raises:
        ValueError: ``count < 1`` or a malformed seed.
    """
    return index_from_blocks(seed_blocks(seed_hex), count)


def ballots_digest(ids: Iterable[int]) -> tuple[str, int]:
    """Digest ballot ids streaming, in the order given (step 1 of the module doc).

    Args:
        ids: ballot ids in increasing order; consumed once, in batches, never held whole.

    Returns:
        ``(sha256_hex, number_of_ids)``.
    """
    hasher = hashlib.sha256()
    total = 0
    iterator = iter(ids)
    while batch := list(islice(iterator, _DIGEST_BATCH)):
        hasher.update("".join(f"{ballot_id}\n" for ballot_id in batch).encode("ascii"))
        total += len(batch)
    return hasher.hexdigest(), total
