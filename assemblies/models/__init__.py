"""Tables of the assemblies context (docs/architecture.md), one module per family:
``assembly`` (assemblies, categories, quotas), ``organisers`` (roles, memberships,
invitations), ``registrant`` (registrants, pending uploads), ``form_fields`` (the organisers' own
form questions), ``notes`` (organisers' notes on a
registrant), ``imports`` (background preview and import jobs of uploads) and ``run``
(selection runs).

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
    "ERASED_ID_PREFIX",
    "FINISHED_IMPORT_STATUSES",
    "FINISHED_RUN_STATUSES",
    "FieldType",
    "FormField",
    "ImportJob",
    "ImportJobAction",
    "ImportJobStatus",
    "Invitation",
    "NOTE_MAX_LENGTH",
    "NoteKind",
    "PERSONAL_FIELDS",
    "PendingImport",
    "Quota",
    "STAFF_SOURCES",
    "PanelOverride",
    "Registrant",
    "RegistrantNote",
    "RegistrantSource",
    "RegistrantStatus",
    "Requirement",
    "Role",
    "RunKind",
    "RunStatus",
    "SelectionRun",
    "erased_external_id",
    "stored_external_ids",
]
