"""Assemblies: see DESIGN.md §2."""
