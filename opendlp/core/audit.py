"""The catalogue of audit events: every code the log may hold, with its fixed data keys.

:func:`opendlp.core.services.audit_event_record` takes an :class:`AuditAction` and refuses data
keys the action does not list, so every event of one kind has the same shape and an auditor
can read the whole vocabulary here. Ids are named ``<thing>_id``; ``public_id`` is a
registrant's pseudonymous UUID; ``from``/``to`` are states. No key may hold personal data.
"""

from __future__ import annotations

import enum
from contextvars import ContextVar, Token


class AuditAction(enum.StrEnum):
    """One kind of audit event; the value is its dotted code (``app.object.verb``).

    ``keys`` is the frozenset of data keys an event of this kind may carry.
    """

    keys: frozenset[str]

    def __new__(cls, code: str, *keys: str) -> AuditAction:
        member = str.__new__(cls, code)
        member._value_ = code
        member.keys = frozenset(keys)
        return member

    # accounts
    USER_BANNED = "accounts.user.banned", "user_id", "reason", "banned_at"
    USER_UNBANNED = "accounts.user.unbanned", "user_id", "reason", "unbanned_at", "previous"
    USER_PROFILE_UPDATED = "accounts.profile.updated"
    # flags: {"is_staff" | "is_superuser" | "is_active": {"from": bool, "to": bool}}
    USER_FLAGS_CHANGED = "accounts.user.flags_changed", "user_id", "flags"
    API_TOKEN_CREATED = "accounts.api_token.created", "token_id", "prefix", "label"
    API_TOKEN_REVOKED = "accounts.api_token.revoked", "token_id", "prefix"
    SIGNIN_RATE_LIMITED = "accounts.signin.rate_limited", "ip_limited", "known_account"
    MFA_ADDED = "accounts.mfa.added", "type"
    MFA_REMOVED = "accounts.mfa.removed", "type"
    MFA_RESET = "accounts.mfa.reset", "type"
    PASSWORD_CHANGED = "accounts.password.changed"  # noqa: S105 - an event code
    PASSWORD_RESET = "accounts.password.reset"  # noqa: S105 - an event code

    # assemblies: assemblies and registration
    ASSEMBLY_CREATED = "assemblies.assembly.created", "slug", "panel_size"
    ASSEMBLY_CHANGED = "assemblies.assembly.changed", "fields"
    ASSEMBLY_ARCHIVED = "assemblies.assembly.archived", "from"
    # count: registrants whose personal data was erased in one action
    ASSEMBLY_REGISTRANTS_ERASED = "assemblies.assembly.registrants_erased", "count"
    # source_id: the assembly copied (settings, categories, quotas; no people)
    ASSEMBLY_DUPLICATED = "assemblies.assembly.duplicated", "source_id", "slug"
    REGISTRATION_OPENED = "assemblies.registration.opened", "from"
    REGISTRATION_CLOSED = "assemblies.registration.closed", "reason", "run_id"
    # registration pages (/r/<code>) and the assembly's texts in other languages
    REGISTRATION_PAGE_CREATED = (
        "assemblies.registration_page.created",
        "page_id",
        "code",
        "status",
        "language",
    )
    # fields: names of the changed fields; from/to: the page status when it changed
    REGISTRATION_PAGE_CHANGED = (
        "assemblies.registration_page.changed",
        "page_id",
        "fields",
        "from",
        "to",
    )
    # kept: test submissions moved into the real flow (pending); deleted: test rows removed
    REGISTRATION_PAGE_PROMOTED = (
        "assemblies.registration_page.promoted",
        "page_id",
        "kept",
        "deleted",
    )
    TEST_SUBMISSIONS_DELETED = "assemblies.registration_page.test_deleted", "page_id", "count"
    # saved/deleted: ["<language>:<key>", ...]
    CONTENT_TRANSLATIONS_CHANGED = "assemblies.translations.changed", "saved", "deleted"

    # assemblies: organisers and invitations
    MEMBERSHIP_SET = (
        "assemblies.membership.set",
        "user_id",
        "role",
        "previous_role",
        "invitation_id",
    )
    MEMBERSHIP_REMOVED = "assemblies.membership.removed", "user_id", "role"
    INVITATION_SENT = "assemblies.invitation.sent", "assembly_id", "role"
    INVITATION_REVOKED = (
        "assemblies.invitation.revoked",
        "assembly_id",
        "superseded",
        "reason",  # "email not sent" when the system withdrew it
    )
    INVITATION_ACCEPTED = "assemblies.invitation.accepted", "assembly_id", "role"

    # assemblies: quotas and imports
    QUOTAS_IMPORTED = "assemblies.quotas.imported", "filename", "quotas", "replaced"
    QUOTAS_CHANGED = (
        "assemblies.quotas.changed",
        "model",
        "saved",
        "deleted",
        "added",  # [{category, value, min, max, min_flex, max_flex}]
        "changed",  # [{category, value, old: {bounds}, new: {bounds}}]
        "removed",  # [{category, value, min, max, min_flex, max_flex}]
    )
    QUOTAS_RELAXED = (
        "assemblies.quotas.relaxed",
        "changed",  # [{category, value, old: {min, max}, new: {min, max}}]
        "source",  # "feasibility" or "run <id>": where the suggestion came from
    )
    QUOTAS_BUILT = (
        "assemblies.quotas.built",
        "filename",
        "columns",  # [category names]
        "mode",  # "open" (min 0, max panel) | "proportional"
        "quotas",
        "replaced",
    )
    QUOTA_VALUES_ADDED = (
        "assemblies.quotas.values_added",
        "filename",
        "added",  # {category: [values]}
    )
    QUOTAS_RESCALED = (
        "assemblies.quotas.rescaled",
        "panel_size",
        "changed",  # [{category, value, old: [min, max], new: [min, max]}]
    )
    CATEGORY_BANDS_SET = "assemblies.category.bands_set", "category", "bands"
    REGISTRANTS_IMPORTED = (
        "assemblies.registrants.imported",
        "filename",
        "rows",
        "created",
        "updated",
        "skipped",
        "job_id",
    )
    REGISTRANTS_IMPORT_REQUESTED = "assemblies.registrants.import_requested", "job_id", "filename"
    REGISTRANTS_IMPORT_FAILED = (
        "assemblies.registrants.import_failed",
        "job_id",
        "status",
        "message",
    )
    REGISTRANTS_EXPORTED = "assemblies.registrants.exported", "what"

    # assemblies: registrants
    # page_id: the registration page used (absent: /a/<slug>/); test: a quarantined submission
    REGISTRANT_REGISTERED = (
        "assemblies.registrant.registered",
        "public_id",
        "source",
        "page_id",
        "test",
    )
    REGISTRANT_REGISTERED_AGAIN = (
        "assemblies.registrant.registered_again",
        "public_id",
        "source",
        "page_id",
        "test",
    )
    # a registration entered by staff (phone, paper); the actor recorded the confirmation
    REGISTRANT_ENTERED = "assemblies.registrant.entered", "public_id", "source"
    # keys: the form field keys added; count: how many
    FORM_FIELDS_CHANGED = "assemblies.form_fields.changed", "saved", "deleted", "added"
    REGISTRANT_STATUS_CHANGED = (
        "assemblies.registrant.status_changed",
        "assembly_id",
        "public_id",
        "from",
        "to",
        "by",
    )
    REGISTRANT_CHANGED = "assemblies.registrant.changed", "assembly_id", "public_id", "fields"
    REGISTRANT_ERASED = "assemblies.registrant.erased", "assembly_id", "public_id", "from", "by"
    REGISTRANT_SEATED_BY_OVERRIDE = (
        "assemblies.registrant.seated_by_override",
        "assembly_id",
        "public_id",
        "from",
        "reason",
    )
    # kind: a NoteKind value; never the note's text (personal data)
    REGISTRANT_NOTE_ADDED = (
        "assemblies.registrant.note_added",
        "assembly_id",
        "public_id",
        "note_id",
        "kind",
    )

    # assemblies: emails to registrants
    EMAIL_TEMPLATE_SAVED = (
        "assemblies.email_template.saved",
        "assembly_id",
        "kind",
        "version",
        "language",
    )
    PANEL_NOTIFIED = (
        "assemblies.panel.notified",
        "assembly_id",
        "run_id",
        "created",
        "enqueued",
        "to_call",
    )

    # assemblies: selection runs
    SELECTION_REQUESTED = (
        "assemblies.selection.requested",
        "assembly_id",
        "kind",
        "algorithm",
        "panel_size",
        "seed_given",
        "panels",
        "ceremony",
    )
    SELECTION_STARTED = "assemblies.selection.started", "input_sha256", "pool"
    SELECTION_SUCCEEDED = "assemblies.selection.succeeded", "assembly_id", "kind", "selected"
    SELECTION_FAILED = "assemblies.selection.failed", "assembly_id", "kind", "message"
    SELECTION_CANCELLED = "assemblies.selection.cancelled", "assembly_id", "kind", "message"
    SELECTION_CANCEL_REQUESTED = "assemblies.selection.cancel_requested", "status"
    SELECTION_VERIFIED = "assemblies.selection.verified", "ok", "recomputed"
    SELECTION_PUBLISHED = "assemblies.selection.published", "assembly_id", "kind"
    SELECTION_VOIDED = (
        "assemblies.selection.voided",
        "assembly_id",
        "reason",
        "replacement_run_ids",
        "returned",
        "from",
        "to",
    )
    SELECTION_DISTRIBUTION_FIXED = (
        "assemblies.selection.distribution_fixed",
        "assembly_id",
        "distribution_sha256",
    )
    SELECTION_SEED_ENTERED = (
        "assemblies.selection.seed_entered",
        "assembly_id",
        "seed",
        "witnessed",
        "ticket",
    )

    # lottery
    LOTTERY_CLOSED = (
        "lottery.lottery.closed",
        "date",
        "status",
        "ballot_count",
        "excluded_count",
        "seed",
        "digest",
        "winning_ballot_id",
        "via",
    )

    # assemblies: a caller or manager recorded that they confirmed a pending registrant
    # (phone call, letter); from/to: the status before and after
    REGISTRANT_STAFF_CONFIRMED = (
        "assemblies.registrant.staff_confirmed",
        "assembly_id",
        "public_id",
        "from",
        "to",
    )
    # the reminder to confirm, to pending registrants with an address; counts only (to_call:
    # pending registrants without an address)
    REGISTRANTS_REMINDED = (
        "assemblies.registrants.reminded",
        "assembly_id",
        "created",
        "already_today",
        "to_call",
    )
    # assemblies: new bands of a category re-derived its values: quotas added and removed
    # (value lists), and how many registrants' answers moved to their new band
    CATEGORY_REBANDED = (
        "assemblies.category.rebanded",
        "category",
        "added",
        "removed",
        "registrants",
    )


#: How the acting user proved who they are in this request: ``"session"`` (a browser sign-in),
#: ``"api_token:<id>"`` (a personal API token) or ``""`` (a task, a command, the system).
_credential: ContextVar[str] = ContextVar("audit_credential", default="")


def audit_credential_set(credential: str) -> Token[str]:
    """Say which credential the current request acts with; returns the token for
    :func:`audit_credential_reset`. Set by ``AuditCredentialMiddleware`` (``"session"``) and
    by the API's token authentication (``"api_token:<id>"``)."""
    return _credential.set(credential[:40])


def audit_credential_reset(token: Token[str]) -> None:
    """Restore the credential that was current before :func:`audit_credential_set`."""
    _credential.reset(token)


def audit_credential() -> str:
    """The credential of the current request (empty outside requests)."""
    return _credential.get()
