"""Template filters for run reports and feasibility pages."""

from __future__ import annotations

from django import template

from assemblies import engine
from assemblies.selectors.infeasibility import feasibility_plain as _feasibility_plain

register = template.Library()


@register.filter
def feasibility_plain(report: engine.FeasibilityReport) -> list[str]:
    """The feasibility report as plain sentences (see
    :func:`assemblies.selectors.infeasibility.feasibility_plain`)."""
    return _feasibility_plain(report)


@register.filter
def audit_label(code: str) -> str:
    """An audit action's code in words for organisers: ``assemblies.selection.voided`` reads
    "Selection voided" (the code itself stays in the page as the cell's title)."""
    words = " ".join(str(code).split(".")[1:]).replace("_", " ").strip()
    return (words[:1].upper() + words[1:]) if words else str(code)


def _detail(value: object) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_detail(item) for item in value) if value else "none"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_detail(v)}" for k, v in value.items())
    if value is None:
        return "—"
    return str(value)


@register.filter
def audit_details(data: object) -> str:
    """An audit event's data for organisers: ``key: value`` pairs joined by `` · ``, lists
    without brackets or quotes (``bands: 18-29, 30-44``), empty lists as "none"."""
    if not isinstance(data, dict):
        return ""
    return " · ".join(f"{str(k).replace('_', ' ')}: {_detail(v)}" for k, v in data.items())
