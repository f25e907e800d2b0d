"""Template filters for run reports and feasibility pages."""

from __future__ import annotations

from django import template

from assemblies import engine
from assemblies.selectors.runs import feasibility_plain as _feasibility_plain

register = template.Library()


@register.filter
def feasibility_plain(report: engine.FeasibilityReport) -> list[str]:
    """The feasibility report as plain sentences (see
    :func:`assemblies.selectors.runs.feasibility_plain`)."""
    return _feasibility_plain(report)


@register.filter
def audit_label(code: str) -> str:
    """An audit action's code in words for organisers: ``assemblies.selection.voided`` reads
    "Selection voided" (the code itself stays in the page as the cell's title)."""
    words = " ".join(str(code).split(".")[1:]).replace("_", " ").strip()
    return (words[:1].upper() + words[1:]) if words else str(code)
