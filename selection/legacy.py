"""The Sortition Foundation's original greedy draw ("legacy"), for comparison.

One draw, with a seeded generator (:class:`selection.rng.SeededRandom`):

1. Repeat k times: among the values whose max is not yet reached and that still have people
   left, take the value most in need, i.e. the highest ``(min - selected) / remaining`` (ties:
   first in the quota table). If some value can no longer reach its min, the draw fails.
   Pick a person with that value uniformly at random among those remaining (rejection
   sampling over the value's members, in pool order). Select them; for every value of theirs
   that now reaches its max, remove everyone remaining with that value; with the household
   rule, remove everyone remaining in their household.
2. The draw fails if any min is not met at the end.

A failed draw is retried with a new stream derived from the same seed
(``SeededRandom(seed, "legacy/<attempt>")``), up to :data:`MAX_ATTEMPTS` times.

Selection probabilities of the legacy draw have no closed form; :func:`estimate` reports the
share of :data:`ESTIMATE_DRAWS` independent seeded draws (seeds derived from the run seed)
in which each person is selected. They are *estimates*, reported as such.
"""

from __future__ import annotations

from selection.errors import SelectionError
from selection.model import Pool, QuotaTable
from selection.monitor import Monitor
from selection.rng import SeededRandom

#: Attempts before the legacy draw gives up.
MAX_ATTEMPTS = 100
#: Draws used to estimate legacy selection probabilities.
ESTIMATE_DRAWS = 200


class LegacyDrawer:
    """Pre-computed indexes for repeated legacy draws on one instance."""

    def __init__(self, quotas: QuotaTable, pool: Pool, panel_size: int, households: bool):
        self.quotas = list(quotas)
        self.panel_size = panel_size
        index = {q.key: i for i, q in enumerate(self.quotas)}
        self.values_of = [
            [index[(c, p.answers[c])] for c in quotas.categories] for p in pool.people
        ]
        self.members: list[list[int]] = [[] for _ in self.quotas]
        for person, values in enumerate(self.values_of):
            for q in values:
                self.members[q].append(person)
        self.housemates: list[list[int]] = [[] for _ in pool.people]
        if households:
            by_house: dict[str, list[int]] = {}
            for person, p in enumerate(pool.people):
                if p.household is not None:
                    by_house.setdefault(p.household, []).append(person)
            for group in by_house.values():
                for person in group:
                    self.housemates[person] = [o for o in group if o != person]

    def draw_once(self, rng: SeededRandom) -> list[int] | None:
        """One greedy draw; the selected pool indices (sorted), or None when it fails."""
        quotas = self.quotas
        remaining = [len(m) for m in self.members]
        selected = [0] * len(quotas)
        gone = [False] * len(self.values_of)
        chosen: list[int] = []

        def remove(person: int) -> None:
            gone[person] = True
            for q in self.values_of[person]:
                remaining[q] -= 1

        for q, quota in enumerate(quotas):
            if quota.max == 0:  # nobody with this value may be selected
                for other in self.members[q]:
                    if not gone[other]:
                        remove(other)
        for _ in range(self.panel_size):
            best, best_ratio = -1, float("-inf")
            for q, quota in enumerate(quotas):
                if selected[q] >= quota.max or remaining[q] == 0:
                    if selected[q] < quota.min:
                        return None
                    continue
                need = quota.min - selected[q]
                if need > remaining[q]:
                    return None
                ratio = need / remaining[q]
                if ratio > best_ratio:
                    best, best_ratio = q, ratio
            if best < 0:
                return None
            members = self.members[best]
            while True:
                person = members[rng.randbelow(len(members))]
                if not gone[person]:
                    break
            chosen.append(person)
            remove(person)
            for q in self.values_of[person]:
                selected[q] += 1
            for q in self.values_of[person]:
                if selected[q] == quotas[q].max:
                    for other in self.members[q]:
                        if not gone[other]:
                            remove(other)
            for other in self.housemates[person]:
                if not gone[other]:
                    remove(other)
        if any(selected[q] < quota.min for q, quota in enumerate(quotas)):
            return None
        return sorted(chosen)

    def draw(self, seed: str, stream: str = "legacy") -> tuple[list[int], int]:
        """A successful draw and its 1-based attempt number.

        Raises:
            SelectionError: every one of :data:`MAX_ATTEMPTS` attempts failed.
        """
        for attempt in range(1, MAX_ATTEMPTS + 1):
            result = self.draw_once(SeededRandom(seed, f"{stream}/{attempt}"))
            if result is not None:
                return result, attempt
        raise SelectionError(
            f"the legacy greedy draw failed {MAX_ATTEMPTS} times; use another algorithm"
        )


def estimate(
    drawer: LegacyDrawer, seed: str, monitor: Monitor, draws: int = ESTIMATE_DRAWS
) -> list[float]:
    """Estimated selection probability per pool index from ``draws`` seeded legacy draws
    (draw i uses the stream ``"legacy-estimate/<i>"`` of ``seed``)."""
    hits = [0] * len(drawer.values_of)
    for i in range(draws):
        monitor.tick("legacy (estimating probabilities)", i, draws)
        chosen, _ = drawer.draw(seed, f"legacy-estimate/{i}")
        for person in chosen:
            hits[person] += 1
    return [h / draws for h in hits]
