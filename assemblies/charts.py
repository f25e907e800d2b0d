"""Server-side SVG charts (no JavaScript, no CDN)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from assemblies.selectors.run_figures import CategoryFigures


def probability_chart_svg(
    probabilities: Sequence[float],
    *,
    panel_size: int,
    width: int = 640,
    height: int = 240,
) -> SafeString:
    """An SVG chart of every pool member's selection probability, sorted ascending.

    Args:
        probabilities: one probability (0..1) per pool member.
        panel_size: people drawn; a dashed line marks the equal share ``panel_size / pool``.
        width, height: size in pixels.

    Returns:
        The ``<svg>`` element as safe HTML (only numbers and escaped text are interpolated).
    """
    values = sorted(float(p) for p in probabilities)
    left, right, top, bottom = 48, 12, 12, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    n = len(values)
    top_value = max([*values, panel_size / n if n else 0.0, 1e-9])
    scale = _nice_ceiling(top_value)

    def y(value: float) -> float:
        return top + plot_h * (1 - value / scale)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="probability-chart" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="chart-title chart-desc">',
        '<title id="chart-title">Selection probability of each person in the pool</title>',
        f'<desc id="chart-desc">{n} people sorted from the lowest to the highest probability; '
        f"lowest {values[0] if values else 0:.4f}, highest {values[-1] if values else 0:.4f}."
        "</desc>",
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fafafa" '
        'stroke="#ccc"/>',
    ]
    for step in range(5):
        value = scale * step / 4
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            'stroke="#e3e3e3"/>'
            f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end" font-size="11">'
            f"{value * 100:.0f}%</text>"
        )
    if n:
        bar = plot_w / n
        points = [f"{left:.1f},{y(0):.1f}"]
        for index, value in enumerate(values):
            x0, x1 = left + index * bar, left + (index + 1) * bar
            points.append(f"{x0:.1f},{y(value):.1f}")
            points.append(f"{x1:.1f},{y(value):.1f}")
        points.append(f"{left + plot_w:.1f},{y(0):.1f}")
        parts.append(
            f'<polygon points="{" ".join(points)}" fill="#79aec8" stroke="#417690" '
            'stroke-width="1"/>'
        )
        share = panel_size / n
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(share):.1f}" y2="{y(share):.1f}" '
            'stroke="#ba2121" stroke-dasharray="6 4"/>'
            f'<text x="{left + plot_w - 4}" y="{y(share) - 4:.1f}" text-anchor="end" '
            f'font-size="11" fill="#ba2121">equal share {share * 100:.1f}%</text>'
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 8}" text-anchor="middle" '
        f'font-size="11">{escape(str(n))} people in the pool, sorted by probability</text>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - built from numbers and escaped text only


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^k that is >= value (at most 1.0)."""
    if value >= 1:
        return 1.0
    magnitude = 1.0
    while magnitude / 10 >= value:
        magnitude /= 10
    for factor in (0.1, 0.2, 0.25, 0.5, 1.0):
        if magnitude * factor >= value:
            return min(1.0, magnitude * factor)
    return min(1.0, magnitude)


def category_chart_svg(figures: CategoryFigures, *, chart_id: str, width: int = 640) -> SafeString:
    """An SVG chart of one category of a run: for each value, the target range (min..max as
    a share of the panel, a light band), the pool share (a thin grey bar) and the panel share
    (a dark bar, labelled with the count).

    Args:
        figures: the category's :class:`assemblies.selectors.run_figures.CategoryFigures`.
        chart_id: a unique, HTML-id-safe token for the title/desc ids on the page.
        width: width in pixels; the height grows with the number of values.

    Returns:
        The ``<svg>`` element as safe HTML (only numbers and escaped text are interpolated).
    """
    label_w, right, top, row_h = 170, 150, 24, 34
    plot_w = width - label_w - right
    height = top + row_h * len(figures.values) + 28
    category = escape(figures.category)
    ident = escape(chart_id)

    def x(share: float) -> float:
        return label_w + plot_w * max(0.0, min(1.0, share))

    summary = "; ".join(
        f"{v.value}: target {_pct(v.target_low)} to {_pct(v.target_high)}, "
        f"pool {_pct(v.pool_share)}, panel {v.selected} ({_pct(v.panel_share)})"
        for v in figures.values
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="category-chart" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc">',
        f'<title id="{ident}-title">{category}: target range, pool share and panel share '
        "of each value</title>",
        f'<desc id="{ident}-desc">Panel of {figures.panel_total}, pool of '
        f"{figures.pool_total}. {escape(summary)}.</desc>",
    ]
    for step in range(5):
        share = step / 4
        parts.append(
            f'<line x1="{x(share):.1f}" x2="{x(share):.1f}" y1="{top - 4}" '
            f'y2="{height - 24}" stroke="#e3e3e3"/>'
            f'<text x="{x(share):.1f}" y="{top - 8}" text-anchor="middle" font-size="10">'
            f"{share * 100:.0f}%</text>"
        )
    for index, v in enumerate(figures.values):
        y0 = top + index * row_h
        band_w = max(x(v.target_high) - x(v.target_low), 2.0)
        colour = "#417690" if v.met else "#ba2121"
        parts.append(
            f'<text x="{label_w - 8}" y="{y0 + 18}" text-anchor="end" font-size="12">'
            f"{escape(_shorten(v.value))}</text>"
            f'<rect x="{x(v.target_low):.1f}" y="{y0 + 2}" width="{band_w:.1f}" '
            f'height="{row_h - 6}" fill="#cfe6cf" stroke="#5b9a5b"/>'
            f'<rect x="{label_w}" y="{y0 + 6}" width="{x(v.pool_share) - label_w:.1f}" '
            f'height="6" fill="#9a9a9a"/>'
            f'<rect x="{label_w}" y="{y0 + 15}" width="{x(v.panel_share) - label_w:.1f}" '
            f'height="10" fill="{colour}"/>'
            f'<text x="{label_w + plot_w + 8}" y="{y0 + 18}" font-size="11">'
            f"{v.selected} ({_pct(v.panel_share)}){'' if v.met else ' not met'}</text>"
        )
    legend_y = height - 8
    parts.append(
        f'<rect x="{label_w}" y="{legend_y - 9}" width="12" height="10" fill="#cfe6cf" '
        'stroke="#5b9a5b"/>'
        f'<text x="{label_w + 16}" y="{legend_y}" font-size="11">target range</text>'
        f'<rect x="{label_w + 110}" y="{legend_y - 7}" width="12" height="6" fill="#9a9a9a"/>'
        f'<text x="{label_w + 126}" y="{legend_y}" font-size="11">pool</text>'
        f'<rect x="{label_w + 170}" y="{legend_y - 9}" width="12" height="10" fill="#417690"/>'
        f'<text x="{label_w + 186}" y="{legend_y}" font-size="11">panel</text>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - built from numbers and escaped text only


def _pct(share: float) -> str:
    return f"{share * 100:.0f}%"


def _shorten(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
