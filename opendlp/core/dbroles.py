"""The application's own PostgreSQL role: everything it needs, and no power over the audit log.

Run by ``manage.py create_app_role`` (see docs/deployment.md) as the role that owns the
tables (the one that runs ``migrate``). The app role gets ordinary rights (SELECT, INSERT,
UPDATE, DELETE) on every table and sequence of the schema, now and for tables later
migrations create, but only SELECT and INSERT on the audit table. Not owning any table, it
can neither TRUNCATE the audit log nor ALTER it (so no ``DISABLE TRIGGER``, no ``DROP``);
the triggers of migrations 0002 and 0004 still refuse UPDATE, DELETE and TRUNCATE to the
owner itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection, transaction

from opendlp.core.errors import Conflict, Invalid
from opendlp.core.models import AuditEvent

#: A role name the command accepts: a plain lower-case PostgreSQL identifier.
ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
#: Rights on ordinary tables; the audit table gets only the first two.
TABLE_RIGHTS = "SELECT, INSERT, UPDATE, DELETE"
AUDIT_RIGHTS = "SELECT, INSERT"


@dataclass(frozen=True)
class AppRoleOutcome:
    """What :func:`app_role_grant` did (or, with ``dry_run``, would do).

    Attributes:
        role: the role's name.
        created: True when the role did not exist and is (to be) created.
        statements: the SQL run, in order; a password appears as ``'********'``.
    """

    role: str
    created: bool
    statements: list[str]


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def app_role_statements(
    *, role: str, database: str, schema: str, create: bool, password: str | None
) -> list[str]:
    """The SQL that creates (or updates) the app role and sets its rights.

    Args:
        role: the app role's name (already checked against :data:`ROLE_NAME`).
        database: the database the role may connect to.
        schema: the schema of the project's tables (usually ``public``).
        create: True to start with ``CREATE ROLE`` (the role does not exist yet).
        password: the role's password, or None to leave it unset or unchanged.

    Returns:
        Statements without trailing semicolons, in the order to run them.
    """
    r, s, audit = _quote(role), _quote(schema), _quote(AuditEvent._meta.db_table)
    secret = f" PASSWORD {_literal(password)}" if password is not None else ""
    statements = []
    if create:
        statements.append(
            f"CREATE ROLE {r} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION{secret}"
        )
    elif secret:
        statements.append(f"ALTER ROLE {r}{secret}")
    statements += [
        f"GRANT CONNECT ON DATABASE {_quote(database)} TO {r}",
        f"GRANT USAGE ON SCHEMA {s} TO {r}",
        f"GRANT {TABLE_RIGHTS} ON ALL TABLES IN SCHEMA {s} TO {r}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {r}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT {TABLE_RIGHTS} ON TABLES TO {r}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT USAGE, SELECT ON SEQUENCES TO {r}",
        f"REVOKE ALL ON TABLE {audit} FROM PUBLIC",
        f"REVOKE ALL ON TABLE {audit} FROM {r}",
        f"GRANT {AUDIT_RIGHTS} ON TABLE {audit} TO {r}",
    ]
    return statements


def _fetch(sql: str, params: list[str]) -> tuple[object, ...] | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def app_role_grant(
    *, role: str, password: str | None = None, dry_run: bool = False
) -> AppRoleOutcome:
    """Create the app role if needed and give it its rights, in one transaction.

    Must run on PostgreSQL as the role that owns the audit table (or a superuser). Creating
    a role also needs ``CREATEROLE``; a role made beforehand by the DBA is only granted.
    Running it again changes nothing (it re-applies the same grants, e.g. after a migration).

    Args:
        role: the app role's name, e.g. ``opendlp_app``.
        password: set as the role's password when given (never logged or printed).
        dry_run: work out the statements without running them.

    Returns:
        :class:`AppRoleOutcome`.

    Raises:
        opendlp.core.errors.Invalid: not PostgreSQL (code ``postgresql_only``), or a bad
            role name (code ``invalid_role_name``).
        opendlp.core.errors.Conflict: the role owns the audit table or may act as its owner
            (code ``role_owns_audit_log``), is a superuser (code ``role_is_superuser``), or
            the current role neither owns the table nor is a superuser (code ``not_owner``).
    """
    if connection.vendor != "postgresql":
        raise Invalid("Database roles exist only on PostgreSQL.", code="postgresql_only")
    if not ROLE_NAME.fullmatch(role):
        raise Invalid(
            "Use a lower-case role name of letters, digits and underscores.",
            code="invalid_role_name",
        )
    with transaction.atomic():
        row = _fetch(
            "SELECT current_database(), current_schema(), tableowner, current_user,"
            " (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)"
            " FROM pg_tables WHERE schemaname = current_schema() AND tablename = %s",
            [AuditEvent._meta.db_table],
        )
        if row is None:
            raise Invalid("Run migrate first: the audit table does not exist.", code="no_table")
        database, schema, owner, me = (str(value) for value in row[:4])
        i_am_superuser = bool(row[4])
        if owner != me and not i_am_superuser:
            raise Conflict(
                f"Run this as the role that owns the tables ({owner}), not as {me}.",
                code="not_owner",
            )
        existing = _fetch(
            "SELECT rolsuper, pg_has_role(rolname, %s, 'MEMBER') FROM pg_roles WHERE rolname = %s",
            [owner, role],
        )
        if existing is not None and existing[1]:
            raise Conflict(
                f"The role {role} owns the audit table, or may act as {owner} who does; "
                "the app must run as a role that does not.",
                code="role_owns_audit_log",
            )
        if existing is not None and existing[0]:
            raise Conflict(f"The role {role} is a superuser.", code="role_is_superuser")
        statements = app_role_statements(
            role=role,
            database=database,
            schema=schema,
            create=existing is None,
            password=password,
        )
        if not dry_run:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
    shown = app_role_statements(
        role=role,
        database=database,
        schema=schema,
        create=existing is None,
        password="********" if password is not None else None,  # noqa: S106 - a mask
    )
    return AppRoleOutcome(role=role, created=existing is None, statements=shown)
