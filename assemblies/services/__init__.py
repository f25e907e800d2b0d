"""Write services of the assemblies context, one module per use-case family.

``assemblies`` (create, save, open, close, archive), ``memberships``, ``quotas``, ``imports``,
``registrants`` (status changes, edits, erasure, the registrant's own links), ``registration``
(the public form), ``runs`` (ask for and cancel runs), ``execution`` (execute, fail, sweep,
verify) and ``invitations``. Each function is named ``<entity>_<verb>``, takes keyword-only
arguments, owns its transaction and is safe to call twice (docs/architecture.md).
"""
