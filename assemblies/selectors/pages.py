"""Reads for registration pages (``/r/<code>``): find a page, and whether it takes
registrations now."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from assemblies.models import (
    SHORT_CODE_ALPHABET,
    Assembly,
    PageStatus,
    RegistrantStatus,
    RegistrationPage,
)
from assemblies.selectors.registration import RegistrationState, registration_state

#: Assembly states in which a page in test takes (quarantined) submissions: testing is for
#: before registration opens, so a draft assembly's test page works too.
TEST_STATES = (RegistrationState.DRAFT, RegistrationState.NOT_YET, RegistrationState.OPEN)


def page_by_code(*, code: str) -> RegistrationPage | None:
    """The registration page with this short code (case-insensitive, surrounding spaces
    ignored), with its assembly; None when there is none or the code cannot be one."""
    code = (code or "").strip().lower()
    if not code or len(code) > 16 or any(ch not in SHORT_CODE_ALPHABET for ch in code):
        return None
    return RegistrationPage.objects.select_related("assembly").filter(code=code).first()


def page_registration_state(
    *, assembly: Assembly, page_status: str, now: dt.datetime | None = None
) -> RegistrationState:
    """Whether a registration page of ``assembly`` with status ``page_status`` takes
    registrations at ``now`` (default: the current time).

    A closed page: :attr:`RegistrationState.PAGE_CLOSED`. An open page follows the assembly
    (:func:`registration_state`): a page cannot be open when the assembly is not. A page in
    test takes submissions (:attr:`RegistrationState.OPEN`) while the assembly is a draft, not
    yet open or open, and is closed once the assembly's registration has closed.
    """
    if page_status == PageStatus.CLOSED:
        return RegistrationState.PAGE_CLOSED
    state = registration_state(assembly=assembly, now=now)
    if page_status == PageStatus.TEST:
        return RegistrationState.OPEN if state in TEST_STATES else RegistrationState.CLOSED
    return state


def pages_of(*, assembly: Assembly) -> QuerySet[RegistrationPage]:
    """The assembly's registration pages, oldest first, each annotated with ``test_count``
    (its quarantined submissions) and ``registrant_count`` (the others)."""
    test = Q(registrants__status=RegistrantStatus.TEST)
    return (
        RegistrationPage.objects.filter(assembly=assembly)
        .annotate(
            test_count=Count("registrants", filter=test),
            registrant_count=Count("registrants", filter=~test),
        )
        .order_by("created_at", "id")
    )


def page_short_url(*, page: RegistrationPage) -> str:
    """The page's absolute short URL, ``<settings.SITE_URL>/r/<code>`` (for letters and QR
    codes, so it does not depend on the request's host)."""
    return settings.SITE_URL + reverse("short:page", kwargs={"code": page.code})
