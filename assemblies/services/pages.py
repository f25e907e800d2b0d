"""Use cases of registration pages (``/r/<code>``) and of the assembly's texts in other
languages: create and change a page, promote a page from test to open, delete its test
submissions, and save translations.

Each function owns one transaction, locks what it changes, re-checks the state it depends on
and is safe to call twice. Audit events name pages by id and code, never a registrant's
personal data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from assemblies.errors import InvalidInput
from assemblies.models import (
    ContentTranslation,
    PageStatus,
    Registrant,
    RegistrantSource,
    RegistrantStatus,
    RegistrationPage,
    new_short_code,
)
from assemblies.selectors.content import language_codes, translation_key_problem
from assemblies.services._common import _lock_assembly
from opendlp.core.audit import AuditAction
from opendlp.core.services import audit_event_record
from opendlp.core.text import control_characters

#: Page fields an organiser edits.
PAGE_FIELDS = ("label", "language", "status")
_CODE_ATTEMPTS = 5


def _page_check(page: RegistrationPage) -> None:
    """Refuse a page whose label, language or status is not valid (naming the field)."""
    page.label = (page.label or "").strip()
    if not page.label:
        raise InvalidInput("label: give the page a name, e.g. “French letters, March”.")
    if len(page.label) > 200 or control_characters(page.label):
        raise InvalidInput("label: at most 200 characters, on one line.")
    if page.language and page.language not in language_codes():
        raise InvalidInput(
            f"language: “{page.language}” is not a site language "
            f"({', '.join(language_codes())}, or blank)."
        )
    if page.status not in PageStatus.values:
        raise InvalidInput(f"status: “{page.status}” is not one of {', '.join(PageStatus.values)}.")


def registration_page_create(
    *,
    assembly_id: int,
    label: str,
    language: str = "",
    status: str = PageStatus.TEST,
    actor: Any = None,
) -> RegistrationPage:
    """Create a registration page of an assembly with a fresh random short code.

    Args:
        assembly_id: the assembly.
        label: the organisers' name of the page (1 to 200 characters, one line).
        language: a code of ``settings.LANGUAGES``, or ``""`` for the visitor's choice.
        status: ``test`` (default), ``open`` or ``closed``.
        actor: who creates it (None: the system).

    Returns:
        The saved page.

    Raises:
        AssemblyNotFound: no such assembly.
        InvalidInput: a field is not valid (the message names it; nothing is stored).
    """
    page = RegistrationPage(
        assembly_id=assembly_id, label=label, language=language or "", status=status
    )
    _page_check(page)
    with transaction.atomic():
        assembly = _lock_assembly(assembly_id)
        for _attempt in range(_CODE_ATTEMPTS):
            page.code = new_short_code()
            if not RegistrationPage.objects.filter(code=page.code).exists():
                break
        page.assembly = assembly
        page.save()
        _page_audit_created(page, actor)
    return page


def _page_audit_created(page: RegistrationPage, actor: Any) -> None:
    audit_event_record(
        action=AuditAction.REGISTRATION_PAGE_CREATED,
        actor=actor,
        target=page.assembly,
        data={
            "page_id": page.pk,
            "code": page.code,
            "status": page.status,
            "language": page.language,
        },
    )


def registration_page_save(*, page: RegistrationPage, actor: Any = None) -> RegistrationPage:
    """Save a new or edited page from the admin (label, language, status).

    A new page gets a fresh short code (see :func:`registration_page_create`). A page in test
    cannot be set to open here: :func:`registration_page_promote` does that, after the
    organiser confirmed what happens to its test submissions.

    Raises:
        InvalidInput: a field is not valid, or the page would go from test to open.
    """
    if page.pk is None:
        return registration_page_create(
            assembly_id=page.assembly_id,
            label=page.label,
            language=page.language,
            status=page.status,
            actor=actor,
        )
    _page_check(page)
    with transaction.atomic():
        stored = RegistrationPage.objects.select_for_update().get(pk=page.pk)
        if stored.assembly_id != page.assembly_id:
            raise InvalidInput("A page of another assembly was given.")
        if stored.status == PageStatus.TEST and page.status == PageStatus.OPEN:
            raise InvalidInput(
                "status: a page in test opens with “Promote to open…”, which says what "
                "happens to its test submissions."
            )
        fields = [f for f in PAGE_FIELDS if getattr(stored, f) != getattr(page, f)]
        if not fields:
            return stored
        data: dict[str, Any] = {"page_id": stored.pk, "fields": fields}
        if "status" in fields:
            data.update({"from": stored.status, "to": page.status})
        for field in fields:
            setattr(stored, field, getattr(page, field))
        stored.save(update_fields=fields)
        audit_event_record(
            action=AuditAction.REGISTRATION_PAGE_CHANGED,
            actor=actor,
            target=stored.assembly,
            data=data,
        )
    return stored


def registration_page_promote(
    *, page_id: int, keep_submissions: bool = False, actor: Any = None
) -> RegistrationPage:
    """Open a page that was in test. Its test submissions are deleted, or with
    ``keep_submissions`` moved into the real flow: each becomes ``pending`` (the person
    confirms their email as anyone else), except one whose email address has meanwhile
    registered for real, which is deleted. A page not in test is returned unchanged.

    The page then follows the assembly: it takes registrations only while the assembly's
    registration is open.

    Returns:
        The page.

    Raises:
        RegistrationPage.DoesNotExist: no such page.
    """
    with transaction.atomic():
        page = (
            RegistrationPage.objects.select_for_update().select_related("assembly").get(pk=page_id)
        )
        if page.status != PageStatus.TEST:
            return page
        tests = Registrant.objects.select_for_update().filter(
            page=page, status=RegistrantStatus.TEST
        )
        kept = deleted = 0
        if keep_submissions:
            emails = {r.email.lower(): r.pk for r in tests.order_by("id") if r.email}
            taken = set(
                Registrant.objects.filter(
                    assembly_id=page.assembly_id, source=RegistrantSource.FORM
                )
                .exclude(status=RegistrantStatus.TEST)
                .annotate(email_lower=Lower("email"))
                .filter(email_lower__in=list(emails))
                .values_list("email_lower", flat=True)
            )
            keep_ids = [pk for email, pk in emails.items() if email not in taken]
            kept = tests.filter(pk__in=keep_ids).update(status=RegistrantStatus.PENDING)
        _total, by_model = Registrant.objects.filter(
            page=page, status=RegistrantStatus.TEST
        ).delete()
        deleted = by_model.get(Registrant._meta.label, 0)
        page.status = PageStatus.OPEN
        page.save(update_fields=["status"])
        audit_event_record(
            action=AuditAction.REGISTRATION_PAGE_PROMOTED,
            actor=actor,
            target=page.assembly,
            data={"page_id": page.pk, "kept": kept, "deleted": deleted},
        )
    return page


def registration_page_test_delete(*, page_id: int, actor: Any = None) -> int:
    """Delete the test submissions of a page (rows and personal data); the page keeps its
    status. Calling twice deletes nothing the second time.

    Returns:
        How many registrants were deleted.

    Raises:
        RegistrationPage.DoesNotExist: no such page.
    """
    with transaction.atomic():
        page = (
            RegistrationPage.objects.select_for_update().select_related("assembly").get(pk=page_id)
        )
        _total, by_model = Registrant.objects.filter(
            page=page, status=RegistrantStatus.TEST
        ).delete()
        count = by_model.get(Registrant._meta.label, 0)
        if count:
            audit_event_record(
                action=AuditAction.TEST_SUBMISSIONS_DELETED,
                actor=actor,
                target=page.assembly,
                data={"page_id": page.pk, "count": count},
            )
    return count


def content_translations_save(
    *,
    assembly_id: int,
    changed: Sequence[ContentTranslation],
    deleted: Sequence[ContentTranslation] = (),
    actor: Any = None,
) -> None:
    """Save translations of an assembly's texts edited in the admin: all or none.

    Args:
        assembly_id: the assembly.
        changed: new or edited rows (not yet saved): a site language, a key of
            :func:`assemblies.selectors.content.translation_key_problem` and a text.
        deleted: rows to delete.
        actor: who edits.

    Raises:
        AssemblyNotFound: no such assembly.
        InvalidInput: a row of another assembly, an unknown language or key, an empty text,
            or two rows for one language and key (nothing is stored).
    """
    problems = []
    seen: set[tuple[str, str]] = set()
    for row in changed:
        row.key = (row.key or "").strip()
        row.text = (row.text or "").strip()
        if row.language not in language_codes():
            problems.append(f"language: “{row.language}” is not a site language.")
        problem = translation_key_problem(row.key)
        if problem:
            problems.append(f"key: {problem}")
        if not row.text:
            problems.append(f"text: the translation of “{row.key}” is empty.")
        if (row.language, row.key) in seen:
            problems.append(f"key: “{row.key}” is given twice for {row.language}.")
        seen.add((row.language, row.key))
    if problems:
        raise InvalidInput(" ".join(problems))
    with transaction.atomic():
        assembly = _lock_assembly(assembly_id)
        for row in [*changed, *deleted]:
            if row.assembly_id != assembly.pk:
                raise InvalidInput("A translation of another assembly was given.")
        for row in deleted:
            if row.pk is not None:
                row.delete()
        try:
            with transaction.atomic():
                for row in changed:
                    row.save()
        except IntegrityError:
            raise InvalidInput(
                "key: a translation for this language and key exists already; edit that row."
            ) from None
        audit_event_record(
            action=AuditAction.CONTENT_TRANSLATIONS_CHANGED,
            actor=actor,
            target=assembly,
            data={
                "saved": [f"{r.language}:{r.key}" for r in changed],
                "deleted": [f"{r.language}:{r.key}" for r in deleted],
            },
        )
