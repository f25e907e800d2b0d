"""Write services for accounts, one module per use-case family.

- :mod:`accounts.services.users`: provisioning, ban and unban, profile.
- :mod:`accounts.services.tokens`: personal API tokens (create, revoke, authenticate).

Import from the module itself; this package re-exports nothing.
"""
