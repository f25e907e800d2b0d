"""The draw's pure functions, checked against an independent reference and for uniformity."""

import hashlib
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lottery.draw import (
    DRAW_DOMAIN,
    ballots_digest,
    index_from_blocks,
    seed_new,
    winner_index,
)

SPACE = 2**256


def reference_index(seed_hex: str, count: int) -> int:
    """The published recipe, written out independently of lottery.draw."""
    seed = bytes.fromhex(seed_hex)
    limit = SPACE - SPACE % count
    counter = 0
    while True:
        block = hashlib.sha256(DRAW_DOMAIN + seed + counter.to_bytes(8, "big")).digest()
        x = int.from_bytes(block, "big")
        if x < limit:
            return x % count
        counter += 1


def test_seed_new_is_256_bits_hex_and_fresh():
    seeds = {seed_new() for _ in range(50)}
    assert len(seeds) == 50
    assert all(len(s) == 64 and int(s, 16) >= 0 for s in seeds)


@given(seed=st.binary(min_size=32, max_size=32), count=st.integers(min_value=1, max_value=10**7))
def test_winner_index_matches_reference_and_is_in_range(seed, count):
    index = winner_index(seed_hex=seed.hex(), count=count)
    assert 0 <= index < count
    assert index == reference_index(seed.hex(), count)


def test_winner_index_same_seed_same_index():
    seed = seed_new()
    assert {winner_index(seed_hex=seed, count=1_000_003) for _ in range(5)} == {
        winner_index(seed_hex=seed, count=1_000_003)
    }


def test_index_from_blocks_rejects_values_at_or_above_limit():
    # 2**256 mod 3 == 1, so the largest accepted value is 2**256 - 2; 2**256 - 1 is rejected
    # (with plain modulo it would favour index 0).
    assert index_from_blocks(iter([SPACE - 1, 5]), 3) == 2
    assert index_from_blocks(iter([SPACE - 2]), 3) == (SPACE - 2) % 3


def test_index_from_blocks_count_below_one_raises():
    with pytest.raises(ValueError, match="at least one"):
        index_from_blocks(iter([1]), 0)


def test_index_from_blocks_exhausted_stream_raises():
    with pytest.raises(ValueError, match="ended"):
        index_from_blocks(iter([SPACE - 1]), 3)


def test_winner_index_malformed_seed_raises():
    with pytest.raises(ValueError):
        winner_index(seed_hex="abcd", count=3)


def test_winner_index_is_uniform_over_many_seeds():
    count, draws = 7, 7000
    seeds = (hashlib.sha256(f"seed {i}".encode()).hexdigest() for i in range(draws))
    tally = Counter(winner_index(seed_hex=s, count=count) for s in seeds)
    expected = draws / count
    chi_square = sum((tally[i] - expected) ** 2 / expected for i in range(count))
    assert set(tally) == set(range(count))
    assert chi_square < 22.46  # 99.9th percentile of chi-square with 6 degrees of freedom


def test_ballots_digest_matches_reference_across_batches():
    ids = list(range(3, 25_003, 1))
    expected = hashlib.sha256("".join(f"{i}\n" for i in ids).encode()).hexdigest()
    assert ballots_digest(iter(ids)) == (expected, len(ids))


def test_ballots_digest_empty_is_hash_of_nothing():
    assert ballots_digest([]) == (hashlib.sha256(b"").hexdigest(), 0)
