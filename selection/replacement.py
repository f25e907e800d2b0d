"""Replacement draws: the instance left to draw from once some panel members are kept.

People already on the panel (e.g. those who accepted, when others dropped out) count toward
the quotas and the panel size: each quota's min and max are lowered by the number of kept
members with that value (:meth:`selection.model.QuotaTable.reduced_by`), the kept members leave
the pool, and with the household rule so does everyone sharing a household with one of them.
This is the ``already_selected`` option of sortition-algorithms.
"""

from __future__ import annotations

from collections import Counter

from selection.errors import InputError, InputProblem
from selection.model import Pool, QuotaTable


def replacement_instance(
    quotas: QuotaTable,
    pool: Pool,
    panel_size: int,
    kept: Pool,
    *,
    households: bool = False,
) -> tuple[QuotaTable, Pool, int]:
    """The quotas, pool and number of people still to draw when ``kept`` stay on the panel.

    Args:
        quotas: the quota table of the whole panel.
        pool: the pool; kept members found in it (by id) are removed.
        panel_size: the size of the whole panel, kept members included (int).
        kept: the people already on the panel; each must answer every category with a value
            of the quota table.
        households: apply the household rule: pool members sharing a household key with a
            kept member are removed, and no two kept members may share one.

    Returns:
        ``(quotas, pool, k)``: the reduced quota table, the remaining pool and the number of
        people to draw (``panel_size - len(kept)``).

    Raises:
        InputError: a kept member's answer is missing or not a quota value; kept members
            already exceed a quota's max; they fill the panel; two of them share a household;
            nobody is left in the pool.
    """
    problems: list[InputProblem] = []
    counts: Counter[tuple[str, str]] = Counter()
    for person in kept:
        for category in quotas.categories:
            answer = person.answers.get(category)
            if answer is None or (category, answer) not in quotas:
                problems.append(
                    InputProblem(
                        f"already selected person {person.id!r}: {answer!r} is not a value of "
                        f"category {category!r}",
                        column=category,
                        value=answer,
                    )
                )
            else:
                counts[(category, answer)] += 1
    houses = Counter(p.household for p in kept if p.household is not None)
    if households:
        for house, number in houses.items():
            if number > 1:
                members = ", ".join(p.id for p in kept if p.household == house)
                problems.append(
                    InputProblem(f"already selected people {members} share a household")
                )
    remaining = len(kept)
    if remaining >= panel_size:
        problems.append(
            InputProblem(
                f"{remaining} people are already selected, which fills the panel of {panel_size}",
                value=str(remaining),
            )
        )
    if problems:
        raise InputError.from_problems(problems)
    reduced = quotas.reduced_by(dict(counts))
    kept_ids = set(kept.ids)
    left = [p for p in pool if p.id not in kept_ids and not (households and p.household in houses)]
    if not left:
        raise InputError("nobody is left in the pool once the already selected are removed")
    return reduced, Pool(left), panel_size - remaining
