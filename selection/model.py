"""Domain objects: quotas, the quota table, people and the pool.

All objects are frozen dataclasses, validated when constructed; invalid values raise
:class:`selection.errors.InputError` naming the quota or person concerned.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from selection.errors import InputError, InputProblem


def _check_count(name: str, value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{where}: {name} must be a whole number", column=name, value=value)
    if value < 0:
        raise InputError(f"{where}: {name} must not be negative", column=name, value=value)
    return value


@dataclass(frozen=True)
class Quota:
    """The target range for one value of one category.

    Args:
        category: category name, e.g. ``"gender"`` (non-empty text).
        value: value name within the category, e.g. ``"female"`` (non-empty text).
        min: the panel must contain at least this many people with this value (int >= 0).
        max: and at most this many (int >= min).
        min_flex: optional ABSOLUTE lower limit to which ``min`` may be relaxed when the quotas
            are infeasible (int, 0 <= min_flex <= min). ``None``: min may be relaxed to 0.
        max_flex: optional ABSOLUTE upper limit to which ``max`` may be relaxed
            (int >= max). ``None``: max may be relaxed without limit.

    Raises:
        InputError: empty names, non-integer or negative counts, ``min > max``,
            ``min_flex > min`` or ``max_flex < max``.
    """

    category: str
    value: str
    min: int
    max: int
    min_flex: int | None = None
    max_flex: int | None = None

    def __post_init__(self) -> None:
        where = f"quota {self.category}/{self.value}"
        for name in ("category", "value"):
            text = getattr(self, name)
            if not isinstance(text, str) or not text.strip():
                raise InputError(f"{where}: {name} must be non-empty text", column=name, value=text)
        _check_count("min", self.min, where)
        _check_count("max", self.max, where)
        if self.min > self.max:
            raise InputError(
                f"{where}: min {self.min} is greater than max {self.max}",
                column="min",
                value=self.min,
            )
        if self.min_flex is not None:
            _check_count("min_flex", self.min_flex, where)
            if self.min_flex > self.min:
                raise InputError(
                    f"{where}: min_flex {self.min_flex} is greater than min {self.min}",
                    column="min_flex",
                    value=self.min_flex,
                )
        if self.max_flex is not None:
            _check_count("max_flex", self.max_flex, where)
            if self.max_flex < self.max:
                raise InputError(
                    f"{where}: max_flex {self.max_flex} is less than max {self.max}",
                    column="max_flex",
                    value=self.max_flex,
                )

    @property
    def key(self) -> tuple[str, str]:
        """``(category, value)``."""
        return (self.category, self.value)

    @property
    def lowest_min(self) -> int:
        """The lowest min allowed by relaxation (``min_flex``, or 0)."""
        return 0 if self.min_flex is None else self.min_flex

    @property
    def highest_max(self) -> int | None:
        """The highest max allowed by relaxation (``max_flex``), or ``None`` for no limit."""
        return self.max_flex


@dataclass(frozen=True)
class QuotaTable:
    """The quota table: category -> value -> :class:`Quota`.

    Args:
        quotas: the quotas, in table order (a sequence of :class:`Quota`).
        origin: optional ``{(category, value): (file, line)}`` where each quota was read, so
            later errors (e.g. from :meth:`check_sums`) can name the file and line.

    Attributes:
        categories: category names in order of first appearance (tuple of str).

    Raises:
        InputError: empty table, or the same (category, value) twice.
    """

    quotas: tuple[Quota, ...]
    categories: tuple[str, ...] = field(init=False)
    _index: Mapping[tuple[str, str], Quota] = field(init=False, repr=False, compare=False)
    origin: Mapping[tuple[str, str], tuple[str | None, int | None]] = field(
        init=False, repr=False, compare=False
    )

    def __init__(
        self,
        quotas: Iterable[Quota],
        origin: Mapping[tuple[str, str], tuple[str | None, int | None]] | None = None,
    ) -> None:
        items = tuple(quotas)
        if not items:
            raise InputError("the quota table is empty")
        index: dict[tuple[str, str], Quota] = {}
        categories: list[str] = []
        for quota in items:
            if not isinstance(quota, Quota):
                raise InputError("quota table items must be Quota objects", value=repr(quota))
            if quota.key in index:
                raise InputError(
                    f"quota {quota.category}/{quota.value} appears twice",
                    column="value",
                    value=quota.value,
                )
            index[quota.key] = quota
            if quota.category not in categories:
                categories.append(quota.category)
        object.__setattr__(self, "quotas", items)
        object.__setattr__(self, "categories", tuple(categories))
        object.__setattr__(self, "_index", MappingProxyType(index))
        object.__setattr__(self, "origin", MappingProxyType(dict(origin or {})))

    def _where(self, category: str) -> tuple[str | None, int | None]:
        first = next(q for q in self.quotas if q.category == category)
        return self.origin.get(first.key, (None, None))

    def __iter__(self) -> Iterator[Quota]:
        return iter(self.quotas)

    def __len__(self) -> int:
        return len(self.quotas)

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def get(self, category: str, value: str) -> Quota:
        """The quota of ``value`` in ``category``; raises ``KeyError`` when there is none."""
        return self._index[(category, value)]

    def values(self, category: str) -> tuple[str, ...]:
        """The value names of ``category`` in table order (empty tuple for an unknown one)."""
        return tuple(q.value for q in self.quotas if q.category == category)

    def by_category(self) -> dict[str, list[Quota]]:
        """``{category: [Quota, ...]}`` in table order."""
        out: dict[str, list[Quota]] = {c: [] for c in self.categories}
        for quota in self.quotas:
            out[quota.category].append(quota)
        return out

    def reduced_by(self, counts: Mapping[tuple[str, str], int]) -> QuotaTable:
        """The quotas left for a replacement draw after keeping some panel members.

        Args:
            counts: ``{(category, value): number of kept members with that value}``.

        Returns:
            A new table where each min, max, min_flex and max_flex is reduced by the kept
            count (min and min_flex clipped at 0).

        Raises:
            InputError: a key is not in the table, or kept members already exceed a max.
        """
        problems = []
        for key in counts:
            if key not in self._index:
                problems.append(InputProblem(f"{key[0]}/{key[1]} is not in the quota table"))
        for quota in self.quotas:
            kept = counts.get(quota.key, 0)
            if kept > quota.max:
                problems.append(
                    InputProblem(
                        f"quota {quota.category}/{quota.value}: {kept} kept members already "
                        f"exceed the max of {quota.max}",
                        column="max",
                        value=str(quota.max),
                    )
                )
        if problems:
            raise InputError.from_problems(problems)
        new = []
        for quota in self.quotas:
            kept = counts.get(quota.key, 0)
            new.append(
                Quota(
                    quota.category,
                    quota.value,
                    max(0, quota.min - kept),
                    quota.max - kept,
                    None if quota.min_flex is None else max(0, quota.min_flex - kept),
                    None if quota.max_flex is None else quota.max_flex - kept,
                )
            )
        return QuotaTable(new, self.origin)

    def check_sums(self, panel_size: int) -> None:
        """Check that each category's mins and maxes can add up to ``panel_size``.

        Raises:
            InputError: for every category whose mins add up to more than ``panel_size``,
                or whose maxes add up to less (all such categories are listed in ``.errors``).
        """
        problems = []
        for category, quotas in self.by_category().items():
            low = sum(q.min for q in quotas)
            high = sum(q.max for q in quotas)
            file, line = self._where(category)
            if low > panel_size:
                problems.append(
                    InputProblem(
                        f"category {category!r}: the mins add up to {low}, more than the "
                        f"panel size {panel_size}",
                        file=file,
                        line=line,
                        column="min",
                        value=str(low),
                    )
                )
            if high < panel_size:
                problems.append(
                    InputProblem(
                        f"category {category!r}: the maxes add up to {high}, less than the "
                        f"panel size {panel_size}",
                        file=file,
                        line=line,
                        column="max",
                        value=str(high),
                    )
                )
        if problems:
            raise InputError.from_problems(problems)


@dataclass(frozen=True)
class Person:
    """One member of the pool.

    Args:
        id: unique identifier (non-empty text).
        answers: ``{category: value}`` (text -> text), at least every quota category.
        household: household key (text) or ``None``; people with the same key are in the same
            household and at most one of them may be selected when the household rule is on.

    Raises:
        InputError: empty id or non-text answers.
    """

    id: str
    answers: Mapping[str, str]
    household: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise InputError("a person's id must be non-empty text", column="id", value=self.id)
        answers = dict(self.answers)
        for category, value in answers.items():
            if not isinstance(category, str) or not isinstance(value, str):
                raise InputError(
                    f"person {self.id}: answers must map text to text",
                    column=str(category),
                    value=repr(value),
                )
        object.__setattr__(self, "answers", MappingProxyType(answers))
        if self.household is not None and not isinstance(self.household, str):
            raise InputError(
                f"person {self.id}: household must be text or None", value=repr(self.household)
            )

    def __hash__(self) -> int:
        return hash(self.id)


@dataclass(frozen=True)
class Pool:
    """The pool of people from which a panel is drawn.

    Args:
        people: the people, in input order (a sequence of :class:`Person`).

    Raises:
        InputError: empty pool, or two people with the same id (all duplicates are listed).
    """

    people: tuple[Person, ...]

    def __init__(self, people: Iterable[Person]) -> None:
        items = tuple(people)
        if not items:
            raise InputError("the pool is empty")
        seen: dict[str, int] = {}
        problems = []
        for index, person in enumerate(items):
            if not isinstance(person, Person):
                raise InputError("pool items must be Person objects", value=repr(person))
            if person.id in seen:
                problems.append(
                    InputProblem(
                        f"duplicate id {person.id!r} (people {seen[person.id] + 1} and "
                        f"{index + 1})",
                        column="id",
                        value=person.id,
                    )
                )
            else:
                seen[person.id] = index
        if problems:
            raise InputError.from_problems(problems)
        object.__setattr__(self, "people", items)

    def __iter__(self) -> Iterator[Person]:
        return iter(self.people)

    def __len__(self) -> int:
        return len(self.people)

    @property
    def ids(self) -> list[str]:
        """The ids in input order."""
        return [p.id for p in self.people]


def validate_instance(quotas: QuotaTable, pool: Pool, panel_size: int) -> None:
    """Check that a quota table, pool and panel size fit together.

    Args:
        quotas: the quota table.
        pool: the pool.
        panel_size: the number of people to select (int >= 1).

    Raises:
        InputError: panel size not a positive integer or larger than the pool; a person
            missing a category; an answer that is not a value of the quota table (all such
            answers are listed); quota sums that cannot add up to the panel size.
    """
    if isinstance(panel_size, bool) or not isinstance(panel_size, int) or panel_size < 1:
        raise InputError("the panel size must be a whole number >= 1", value=panel_size)
    if panel_size > len(pool):
        raise InputError(
            f"the panel size {panel_size} is larger than the pool ({len(pool)} people)",
            value=panel_size,
        )
    problems = []
    for index, person in enumerate(pool):
        for category in quotas.categories:
            answer = person.answers.get(category)
            if answer is None:
                problems.append(
                    InputProblem(
                        f"person {person.id!r} has no answer for category {category!r}",
                        line=None,
                        column=category,
                    )
                )
            elif (category, answer) not in quotas:
                problems.append(
                    InputProblem(
                        f"person {person.id!r} (number {index + 1}): {answer!r} is not a value "
                        f"of category {category!r} in the quota table",
                        column=category,
                        value=answer,
                    )
                )
    if problems:
        raise InputError.from_problems(problems)
    quotas.check_sums(panel_size)


@dataclass(frozen=True)
class PanelShare:
    """One panel of a distribution.

    Attributes:
        counts: ``((type_index, count), ...)`` for the types with count > 0, by type index.
        weight: integer weight (> 0); probability = weight / total weight of the distribution.
    """

    counts: tuple[tuple[int, int], ...]
    weight: int
