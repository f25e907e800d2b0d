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
