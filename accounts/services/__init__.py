"""Write services for accounts, one module per use-case family.

- :mod:`accounts.services.users`: provisioning, ban and unban, profile.
- :mod:`accounts.services.tokens`: personal API tokens (create, revoke, authenticate).
- :mod:`accounts.services.invitations`: organiser invitations (send, revoke, accept).

Import from the module itself; this package re-exports nothing.
"""
