"""Committed test vectors pin the bytes of the draw (format ``opendlp-selection/v1``).

Every published draw must stay verifiable with the ``selection`` package alone, so the random
stream, the panel drawn from a distribution, the quantised weights and the input digest may
never change silently. If one of these tests fails, the change breaks every published draw:
do not update the vectors; add a new format version instead.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from selection import select
from selection.bundle import verify_bundle
from selection.draw import draw_panel, quantise
from selection.model import PanelShare, Person, Pool, Quota, QuotaTable
from selection.result import SelectionResult, input_digest
from selection.rng import SeededRandom
from selection.transparent import draw_ticket, lottery_digest

VECTORS = json.loads(
    (Path(__file__).parent / "vectors" / "draw_v1.json").read_text(encoding="utf-8")
)
RNG = VECTORS["rng"]
DRAWS = VECTORS["draw_panel"]


def _case_id(case: dict) -> str:
    return f"{case['seed'][:12]!r}/{case.get('purpose', '')}"


@pytest.mark.parametrize("case", RNG, ids=_case_id)
def test_rng_stream_matches_the_vector_and_the_documented_construction(case):
    stream = SeededRandom(case["seed"], case["purpose"]).getrandbits(80 * 8)
    assert stream.to_bytes(80, "big").hex() == case["first_80_bytes_hex"]
    # The construction documented in selection/rng.py, written out independently.
    label = (
        b"opendlp-selection/v1\x00"
        + case["purpose"].encode("utf-8")
        + b"\x00"
        + case["seed"].encode("utf-8")
    )
    blocks = b"".join(
        hashlib.sha256(label + counter.to_bytes(8, "big")).digest() for counter in range(3)
    )
    assert blocks[:80].hex() == case["first_80_bytes_hex"]


@pytest.mark.parametrize("case", RNG, ids=_case_id)
def test_rng_integers_and_sample_match_the_vector(case):
    rng = SeededRandom(case["seed"], case["purpose"])
    bits = case["getrandbits"]
    assert [str(rng.getrandbits(b)) for b in bits["bits"]] == bits["values"]
    rng = SeededRandom(case["seed"], case["purpose"])
    below = case["randbelow"]
    assert [str(rng.randbelow(int(n))) for n in below["n"]] == below["values"]
    rng = SeededRandom(case["seed"], case["purpose"])
    assert rng.sample(list(range(20)), 7) == case["sample_20_choose_7"]


@pytest.mark.parametrize("case", DRAWS, ids=lambda c: f"{len(c['distribution'])}-{c['seed'][:8]}")
def test_draw_panel_matches_the_vector(case):
    shares = [
        PanelShare(tuple((int(t), int(c)) for t, c in s["counts"]), int(s["weight"]))
        for s in case["distribution"]
    ]
    assert draw_panel(shares, case["types"], case["seed"]) == case["panel"]


def test_input_digest_matches_the_vector():
    data = VECTORS["input_digest"]
    quotas = QuotaTable(Quota(*row) for row in data["instance"]["quotas"])
    pool = Pool(
        Person(pid, answers, household) for pid, answers, household in data["instance"]["pool"]
    )
    for case in data["cases"]:
        got = input_digest(quotas, pool, case["panel_size"], case["algorithm"], case["households"])
        assert got == case["digest"], case


def test_quantise_matches_the_vector():
    data = VECTORS["quantise"]
    shares = quantise(
        [np.array(p) for p in data["panels"]], np.array(data["probabilities"], dtype=np.float64)
    )
    assert [{"counts": [list(c) for c in s.counts], "weight": s.weight} for s in shares] == (
        data["shares"]
    )


SELECT = json.loads(
    (Path(__file__).parent / "vectors" / "select_v1.json").read_text(encoding="utf-8")
)


@pytest.mark.parametrize(
    "case", SELECT["cases"], ids=lambda c: f"{c['kind']}-{c['algorithm']}-{c['seed'][:14]}"
)
def test_select_draws_the_vector_panel_from_inputs_and_seed(case):
    """Whole draws, inputs to panel: the panel draw and the replacement draw (kept members
    reduce the quotas, the rest of the pool is drawn from)."""
    quotas = QuotaTable(Quota(*row) for row in SELECT["quotas"])
    if case["kept"]:
        quotas = quotas.reduced_by({(c, v): n for c, v, n in case["kept"]})
    excluded = set(case.get("excluded", []))
    pool = Pool(Person(pid, answers) for pid, answers in SELECT["pool"] if pid not in excluded)
    result = select(
        quotas, pool, case["panel_size"], algorithm=case["algorithm"], seed=case["seed"]
    )
    assert result.panel == case["panel"]
    assert result.input_digest == case["input_digest"]
    assert {k: round(v, 12) for k, v in result.probabilities.items()} == case["probabilities"]


LOTTERY = json.loads(
    (Path(__file__).parent / "vectors" / "lottery_v1.json").read_text(encoding="utf-8")
)


def test_lottery_vector_bundle_verifies_with_the_package_alone():
    outcome = verify_bundle(LOTTERY)
    assert outcome.ok, outcome.message()
    assert "ok: the panel is ticket 7's" in outcome.findings


def test_lottery_vector_ticket_draw_and_digest_are_pinned():
    result = SelectionResult.from_dict(LOTTERY["report"])
    assert draw_ticket(result, 7) == ["p00", "p02", "p09", "p10"] == result.panel
    assert lottery_digest(result.extra) == result.extra["lottery_sha256"]
    assert result.extra["lottery_sha256"] == (
        "4901d1a820f5f18a586654074b2065621fb8778209dd993bc698019c6945dfb4"
    )


def test_lottery_vector_other_ticket_is_not_the_stored_draw():
    bundle = json.loads(json.dumps(LOTTERY))
    ranges = bundle["report"]["extra"]["tickets"]
    bundle["report"]["extra"]["ticket"] = ranges[-1]["last"] if ranges[0]["last"] >= 7 else 1
    outcome = verify_bundle(bundle)
    assert not outcome.ok
