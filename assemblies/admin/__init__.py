"""The organisers' admin: assemblies, registrants, selection runs, invitations and emails.

Access comes from ``AssemblyMembership`` (see :mod:`assemblies.permissions`), not from
Django model permissions: members see only their assemblies (anything else answers 404),
managers change, callers change panel members' statuses, viewers read.
"""

from assemblies.admin.assembly import AssemblyAdmin
from assemblies.admin.emails import EmailSendAdmin, EmailTemplateAdmin
from assemblies.admin.invitation import InvitationAdmin
from assemblies.admin.registrant import RegistrantAdmin
from assemblies.admin.run import SelectionRunAdmin

__all__ = [
    "AssemblyAdmin",
    "EmailSendAdmin",
    "EmailTemplateAdmin",
    "InvitationAdmin",
    "RegistrantAdmin",
    "SelectionRunAdmin",
]
