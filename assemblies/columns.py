"""How the columns of a registrants CSV map onto a registrant (pure functions, no database).

A column is one of: the id column, a category (its answers), a contact field recognised by
its name (e.g. ``email``, ``primary_zip`` -> ``postcode``), the language column
(``language``: the site language the person's emails are written in, ``Registrant.language``),
or an extra column kept verbatim in ``Registrant.extra``. Exports use the same mapping
backwards.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

#: Normalised column names recognised as contact fields.
CONTACT_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "fullname", "full_name"),
    "email": ("email", "emailaddress", "e_mail", "primary_email", "email_address"),
    "phone": (
        "phone",
        "telephone",
        "mobile",
        "phone_number",
        "mobile_number",
        "primary_phone",
        "phonenumber",
    ),
    "address_line_1": (
        "address_line_1",
        "address1",
        "address",
        "primary_address1",
        "address_1",
        "street",
    ),
    "address_line_2": ("address_line_2", "address2", "primary_address2", "address_2"),
    "town": ("town", "city", "primary_city"),
    "postcode": ("postcode", "post_code", "postal_code", "zip", "zip_code", "primary_zip"),
}

_LOOKUP = {alias: field for field, aliases in CONTACT_ALIASES.items() for alias in aliases}

#: Normalised column names recognised as the registrant's language.
LANGUAGE_ALIASES = ("language", "lang", "preferred_language")

#: The language column's name in exports and the registrants template.
LANGUAGE_COLUMN = "language"


def normalise(column: str) -> str:
    """Lower case, spaces and dashes as underscores, other punctuation dropped."""
    text = re.sub(r"[\s\-]+", "_", column.strip().casefold())
    return re.sub(r"[^\w]", "", text)


def contact_field(column: str) -> str | None:
    """The contact field a column name stands for (e.g. ``"Primary Zip"`` -> ``"postcode"``)."""
    return _LOOKUP.get(normalise(column))


def is_language_column(column: str) -> bool:
    """True for a column name standing for the registrant's language (e.g. ``"Language"``)."""
    return normalise(column) in LANGUAGE_ALIASES


@dataclass(frozen=True)
class ColumnRole:
    """What one column of an import becomes.

    ``role`` is ``"id"``, ``"category"``, ``"contact"``, ``"language"`` or ``"extra"``;
    ``target`` is the category name or contact field (empty for id, language and extra);
    ``household`` is True when the column is one of the household columns.
    """

    column: str
    role: str
    target: str = ""
    household: bool = False

    @property
    def label(self) -> str:
        """A short human description, e.g. ``"category gender"``."""
        if self.role == "id":
            return "external id"
        if self.role == "category":
            return f"category {self.target}"
        if self.role == "contact":
            return f"contact field {self.target}"
        if self.role == "language":
            return "language (their emails are written in it)"
        return "kept as an extra column"


def column_roles(
    header: Sequence[str],
    *,
    categories: Iterable[str],
    id_column: str | None,
    household_columns: Iterable[str] = (),
) -> list[ColumnRole]:
    """Decide the role of every header column.

    Categories and the id column are matched ignoring case; a contact field and the
    language column are used once (the first column naming it wins; later ones stay extra
    columns).
    """
    by_fold = {c.strip().casefold(): c for c in categories}
    households = {h.strip().casefold() for h in household_columns}
    seen_contacts: set[str] = set()
    language_seen = False
    roles = []
    for column in header:
        folded = column.strip().casefold()
        house = folded in households
        if id_column and folded == id_column.strip().casefold():
            roles.append(ColumnRole(column, "id", "", house))
        elif folded in by_fold:
            roles.append(ColumnRole(column, "category", by_fold[folded], house))
        elif is_language_column(column) and not language_seen:
            language_seen = True
            roles.append(ColumnRole(column, "language", "", house))
        elif (field := contact_field(column)) and field not in seen_contacts:
            seen_contacts.add(field)
            roles.append(ColumnRole(column, "contact", field, house))
        else:
            roles.append(ColumnRole(column, "extra", "", house))
    return roles


def registrant_fields(cells: Mapping[str, str], roles: Sequence[ColumnRole]) -> dict[str, object]:
    """Contact fields, ``language`` (when the file has a language column; lower case, empty
    for the site's default language) and the ``extra`` dict of one row, from its cells and
    the column roles. The language's value is checked before (the import's preview refuses a
    value that is not a site language).

    A ``name`` is made of ``first_name``/``last_name``-like columns when no name column exists
    (those columns are still kept in ``extra``).
    """
    fields: dict[str, object] = {}
    extra: dict[str, str] = {}
    for role in roles:
        value = cells.get(role.column, "")
        if role.role == "contact":
            fields[role.target] = value.strip()
        elif role.role == "language":
            fields["language"] = value.strip().lower()
        elif role.role == "extra":
            extra[role.column] = value
    if "name" not in fields:
        first = _by_alias(cells, ("first_name", "firstname", "given_name", "forename"))
        last = _by_alias(cells, ("last_name", "lastname", "surname", "family_name"))
        fields["name"] = " ".join(part for part in (first, last) if part)
    fields["extra"] = extra
    return fields


def _by_alias(cells: Mapping[str, str], aliases: tuple[str, ...]) -> str:
    for column, value in cells.items():
        if normalise(column) in aliases:
            return value.strip()
    return ""
