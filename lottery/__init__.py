"""Lottery: see DESIGN.md §2."""
