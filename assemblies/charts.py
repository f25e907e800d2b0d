"""Server-side SVG charts (no JavaScript, no CDN)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


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
