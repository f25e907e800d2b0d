"""Tables of the assemblies context (docs/architecture.md), one module per family:
``assembly`` (assemblies, categories, quotas), ``organisers`` (roles, memberships,
invitations), ``registrant`` (registrants, pending uploads), ``form_fields`` (the organisers' own
form questions), ``notes`` (organisers' notes on a registrant), ``pages`` (registration pages,
content translations), ``imports`` (background preview and import jobs of uploads), ``run``
(selection runs) and ``emails`` (email templates per assembly, a record of every send).

Every invariant that must always hold is a database constraint; workflows live in the
``assemblies.services`` package. Import from here: this module is the app's model registry.
"""

from assemblies.models.assembly import (
    CONTACT_METHODS,
    CONTACT_RULE_MESSAGE,
    Algorithm,
    Assembly,
    AssemblyStatus,
    Category,
    Quota,
    Requirement,
)
from assemblies.models.emails import (
    EMAIL_BODY_MAX_LENGTH,
    EMAIL_SUBJECT_MAX_LENGTH,
    EmailKind,
    EmailSend,
    EmailSendStatus,
    EmailTemplate,
)
from assemblies.models.form_fields import (
    CHOICE_TYPES,
    FieldType,
    FormField,
)
from assemblies.models.imports import (
    ACTIVE_IMPORT_STATUSES,
    FINISHED_IMPORT_STATUSES,
    ImportJob,
    ImportJobAction,
    ImportJobStatus,
)
from assemblies.models.notes import NOTE_MAX_LENGTH, NoteKind, RegistrantNote
from assemblies.models.organisers import (
    AssemblyMembership,
    Invitation,
    Role,
)
from assemblies.models.pages import (
    SHORT_CODE_ALPHABET,
    ContentTranslation,
    PageStatus,
    RegistrationPage,
    new_short_code,
)
from assemblies.models.registrant import (
    ERASED_ID_PREFIX,
    PERSONAL_FIELDS,
    STAFF_SOURCES,
    PanelOverride,
    PendingImport,
    Registrant,
    RegistrantSource,
    RegistrantStatus,
    erased_external_id,
    stored_external_ids,
)
from assemblies.models.run import (
    ACTIVE_RUN_STATUSES,
    FINISHED_RUN_STATUSES,
    MAX_PANELS,
    RunKind,
    RunStatus,
    SelectionRun,
)

__all__ = [
    "ACTIVE_IMPORT_STATUSES",
    "ACTIVE_RUN_STATUSES",
    "Algorithm",
    "Assembly",
    "AssemblyMembership",
    "AssemblyStatus",
    "CHOICE_TYPES",
    "CONTACT_METHODS",
    "CONTACT_RULE_MESSAGE",
    "Category",
    "EMAIL_BODY_MAX_LENGTH",
    "EMAIL_SUBJECT_MAX_LENGTH",
    "ERASED_ID_PREFIX",
    "EmailKind",
    "EmailSend",
    "EmailSendStatus",
    "EmailTemplate",
    "FINISHED_IMPORT_STATUSES",
    "FINISHED_RUN_STATUSES",
    "ContentTranslation",
    "MAX_PANELS",
    "FieldType",
    "FormField",
    "ImportJob",
    "ImportJobAction",
    "ImportJobStatus",
    "Invitation",
    "NOTE_MAX_LENGTH",
    "NoteKind",
    "PERSONAL_FIELDS",
    "PageStatus",
    "PendingImport",
    "Quota",
    "STAFF_SOURCES",
    "PanelOverride",
    "RegistrationPage",
    "Registrant",
    "RegistrantNote",
    "RegistrantSource",
    "RegistrantStatus",
    "Requirement",
    "Role",
    "RunKind",
    "RunStatus",
    "SHORT_CODE_ALPHABET",
    "SelectionRun",
    "erased_external_id",
    "new_short_code",
    "stored_external_ids",
]
