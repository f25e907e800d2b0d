"""Reads that say whether an assembly's household rule can work: a household check needs
household columns, and each column must hold a value for at least one registrant, otherwise
every household key is empty and the rule would silently select nobody out.

Used before a run (run start, feasibility check) and when an assembly is saved.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Length

from assemblies.columns import contact_field
from assemblies.errors import InvalidInput
from assemblies.models import (
    PERSONAL_FIELDS,
    Assembly,
    FormField,
    Registrant,
    RegistrantStatus,
    Requirement,
)

#: Registrants whose data can tell whether a household column exists (all but the erased).
LIVE_STATUSES: tuple[str, ...] = tuple(
    s for s in RegistrantStatus.values if s != RegistrantStatus.DELETED
)


def household_columns_normalise(columns: object) -> list[str]:
    """The household columns as a clean list: names stripped, empty names, duplicates and
    the ``"[]"`` left by an old admin form bug dropped, order kept.

    Args:
        columns: a list of names, or a comma-separated text (anything else gives ``[]``).

    Returns:
        The list of column names.
    """
    if isinstance(columns, str):
        columns = columns.split(",")
    if not isinstance(columns, list | tuple):
        return []
    names: list[str] = []
    for column in columns:
        name = str(column).strip()
        if name and name != "[]" and name not in names:
            names.append(name)
    return names


def _column_held(assembly: Assembly, column: str, statuses: Sequence[str]) -> bool:
    """Whether at least one registrant in ``statuses`` has a non-empty value for ``column``
    (read as :func:`assemblies.selectors.assemblies.household_parts` reads it: an imported
    column kept in ``extra`` first, else the contact field the column names)."""
    people = Registrant.objects.filter(assembly=assembly, status__in=statuses)
    # Length() of the text value works on every backend (a comparison with "" does not on
    # SQLite, where Django reads the right-hand side of a JSON key lookup as JSON).
    in_extra = people.annotate(_household_length=Length(KeyTextTransform(column, "extra"))).filter(
        _household_length__gt=0
    )
    if in_extra.exists():
        return True
    field = contact_field(column) or column
    if field not in PERSONAL_FIELDS:
        return False
    return (
        people.filter(~Q(extra__has_key=column))
        .exclude(**{field: ""})
        .filter(**{f"{field}__isnull": False})
        .exists()
    )


def household_problems(
    *,
    assembly: Assembly,
    statuses: Sequence[str] = (RegistrantStatus.POOL,),
    columns: Sequence[str] | None = None,
    household_check: bool | None = None,
) -> list[str]:
    """Why the assembly's household check cannot work, one sentence per problem.

    Args:
        assembly: the assembly (its ``household_check`` and ``household_columns`` unless
            given). statuses: the registrants whose data count (default: the pool).
        columns, household_check: values to check instead of the assembly's (an edit not
            yet saved).

    Returns:
        Empty when the check is off, or on with columns each held by at least one of those
        registrants (or when there are no such registrants yet, so nothing can be known
        about the columns). Otherwise: no column is named, or which columns no registrant has.
        A column that is the key of one of the assembly's form fields the form requires is
        accepted even before anyone has answered it: every new registrant will have it.
    """
    check = assembly.household_check if household_check is None else household_check
    if not check:
        return []
    names = household_columns_normalise(
        assembly.household_columns if columns is None else list(columns)
    )
    if not names:
        return [
            "The household check is on but no household columns are named: name the fields "
            "that identify a household (e.g. address_line_1, postcode) or turn the check off."
        ]
    if (
        assembly.pk is None
        or not Registrant.objects.filter(assembly=assembly, status__in=statuses).exists()
    ):
        return []
    asked = set(
        FormField.objects.filter(assembly=assembly, requirement=Requirement.REQUIRED).values_list(
            "key", flat=True
        )
    )
    return [
        f"The household column {name!r} is empty for every registrant: no household could be "
        "told apart. Name a column the registrants have (e.g. address_line_1, postcode, an "
        "imported column or a required form field) or turn the household check off."
        for name in names
        if name not in asked and not _column_held(assembly, name, statuses)
    ]


def household_check_or_refuse(
    *,
    assembly: Assembly,
    statuses: Sequence[str] = (RegistrantStatus.POOL,),
) -> None:
    """Refuse when the assembly's household check cannot work (see
    :func:`household_problems`); the rule is never skipped silently.

    Raises:
        InvalidInput: the sentences of :func:`household_problems`, joined.
    """
    problems = household_problems(assembly=assembly, statuses=statuses)
    if problems:
        raise InvalidInput(" ".join(problems))
