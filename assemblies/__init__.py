"""Assemblies: organisers, quotas, registrants, registration pages and selection runs
(docs/architecture.md)."""
