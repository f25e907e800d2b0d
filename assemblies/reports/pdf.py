"""A run's report as a PDF for clients (:func:`run_report_pdf`, fpdf2, A4)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos
from fpdf.fonts import FontFace

from assemblies import engine
from assemblies.models import RunKind, SelectionRun
from assemblies.reports.common import moment_text, run_categories, run_pool, run_result
from assemblies.selectors.run_figures import (
    CategoryFigures,
    ReplacementFigures,
    run_category_figures,
    run_quota_outcomes,
    run_replacement_figures,
)

#: The Unicode TrueType font of the PDF (Debian's fonts-dejavu-core); when it is missing the
#: PDF falls back to the core Helvetica font and its text is reduced to Latin-1.
DEFAULT_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

#: The PDF's content type.
PDF_CONTENT_TYPE = "application/pdf"

#: Characters the Latin-1 fallback writes differently (the rest of non-Latin-1 becomes "?").
_LATIN1_SUBSTITUTES = str.maketrans(
    {
        "“": '"',
        "”": '"',
        "„": '"',
        "‘": "'",
        "’": "'",
        "–": "-",
        "—": "-",
        "−": "-",
        "…": "...",
        "≤": "<=",
        "≥": ">=",
        "\u00a0": " ",
    }
)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

_INK = (17, 17, 17)
_MUTED = (85, 85, 85)
_TARGET = (198, 232, 196)
_POOL = (160, 160, 160)
_PANEL = (65, 118, 144)
_MISSED = (186, 33, 33)


class _ReportPDF(FPDF):
    """A4 portrait, millimetres, a footer with the run and the page number."""

    footer_text = ""
    unicode = True

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font_size(8)
        self.set_text_color(*_MUTED)
        self.cell(
            0,
            5,
            self.clean(f"{self.footer_text} · {_('page')} {self.page_no()}/{{nb}}"),
            align="C",
        )
        self.set_text_color(*_INK)

    def clean(self, text: object) -> str:
        """Text the current font can write: control characters dropped; for the core-font
        fallback, typographic punctuation made plain and the rest reduced to Latin-1."""
        value = _CONTROL.sub("", "" if text is None else str(text))
        if self.unicode:
            return value
        value = value.translate(_LATIN1_SUBSTITUTES)
        return value.encode("latin-1", "replace").decode("latin-1")


def _pdf_start(run: SelectionRun, font_path: Path | None) -> _ReportPDF:
    pdf = _ReportPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(auto=True, margin=18)
    if font_path is not None and font_path.is_file():
        pdf.add_font("report", "", str(font_path))
        pdf.set_font("report", size=10)
        pdf.unicode = True
    else:
        pdf.set_font("helvetica", size=10)
        pdf.unicode = False
    pdf.footer_text = f"{run.assembly.title} · {_('run')} {run.pk}"
    pdf.set_title(pdf.clean(f"{run.assembly.title}: {_('selection report')} {run.pk}"))
    pdf.set_creator("Open Democratic Lottery Platform")
    pdf.set_text_color(*_INK)
    return pdf


def _heading(
    pdf: _ReportPDF, text: str, *, size: float = 14, space: float = 4, keep: float = 20
) -> None:
    """A heading with a rule under it, on a new page unless ``keep`` mm fit below it."""
    if pdf.will_page_break(space + size * 0.6 + keep):
        pdf.add_page()
    pdf.ln(space)
    pdf.set_font_size(size)
    pdf.multi_cell(0, size * 0.5, pdf.clean(text), align="L", new_x=XPos.LMARGIN)
    y = pdf.get_y() + 0.8
    pdf.set_draw_color(153, 153, 153)
    pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
    pdf.set_y(y + 1.5)
    pdf.set_font_size(10)


def _paragraph(pdf: _ReportPDF, text: str, *, size: float = 10, muted: bool = False) -> None:
    pdf.set_font_size(size)
    if muted:
        pdf.set_text_color(*_MUTED)
    pdf.multi_cell(0, size * 0.48, pdf.clean(text), align="L", new_x=XPos.LMARGIN)
    pdf.set_text_color(*_INK)
    pdf.ln(1.2)
    pdf.set_font_size(10)


def _table(
    pdf: _ReportPDF,
    rows: Sequence[Sequence[object]],
    *,
    widths: Sequence[float] | None = None,
    size: float = 9,
    header: bool = True,
) -> None:
    """A bordered table; the first row is the header (grey) when ``header``."""
    pdf.set_font_size(size)
    headings = FontFace(emphasis="", fill_color=(235, 235, 235))
    with pdf.table(
        col_widths=tuple(widths) if widths else None,
        text_align="LEFT",
        line_height=size * 0.5,
        first_row_as_headings=header,
        headings_style=headings,
        borders_layout="ALL",
        repeat_headings=1 if header else 0,
        padding=0.8,
    ) as table:
        for values in rows:
            row = table.row()
            for value in values:
                row.cell(pdf.clean(value))
    pdf.ln(2)
    pdf.set_font_size(10)


def _percent(share: float) -> str:
    return f"{share * 100:.0f}%"


def _fairness_lines(report: engine.SelectionResult) -> list[tuple[str, str, str]]:
    """(figure, value, what it means) for the engine's fairness figures."""
    return [
        (
            _("Minimum selection probability"),
            f"{report.min_probability:.4f}",
            _(
                "The lowest chance that any one person in the pool had of being selected. "
                "Higher is fairer: the best possible is the equal share (people to draw "
                "divided by the pool size), which quotas usually keep out of reach; 0 means "
                "someone could never be selected."
            ),
        ),
        (
            _("Gini coefficient"),
            f"{report.gini:.4f}",
            _(
                "How unequal the chances are across the pool, from 0 (everyone has the same "
                "chance) to 1 (all the chance sits with a few people); closer to 0 is fairer, "
                "and with quotas a value well below 0.5 is typical of a fair draw."
            ),
        ),
        (
            _("Geometric mean"),
            f"{report.geometric_mean:.4f}",
            _(
                "A typical person's chance that gives extra weight to the smallest chances: "
                "the closer it is to the equal share, the better; far below it means some "
                "people had very small chances."
            ),
        ),
        (
            _("Panels in the distribution"),
            str(report.num_panels),
            _(
                "How many different possible panels the lottery chose between, each with its "
                "own probability, before one was drawn at random; it is not a score: more "
                "panels usually let chances be spread more evenly."
            ),
        ),
    ]


def _replacement_text(figures: ReplacementFigures) -> str:
    return _(
        "Why this run's fairness figures look poor. This replacement run filled %(drawn)s "
        "seat(s) left open on a panel whose %(kept)s other member(s) stay on. Those kept "
        "members are not in this run's pool, and only %(drawn)s of the %(pool)s people in "
        "the pool could be drawn. So most of the pool was never going to be selected: a "
        "minimum probability of 0 and a Gini coefficient near 1 are expected here and do "
        "not mean the panel is unfair. The figures that matter: equal share %(share).4f, "
        "highest chance of one person %(highest).4f, quotas of the full panel met: "
        "%(met)s of %(quotas)s."
    ) % {
        "drawn": figures.drawn,
        "kept": figures.kept,
        "pool": figures.pool,
        "share": figures.equal_share,
        "highest": figures.max_probability,
        "met": figures.quotas_met,
        "quotas": figures.quotas,
    }


def _category_bars(pdf: _ReportPDF, figures: CategoryFigures) -> None:
    """One row per value: the target range as a green band, the pool share as a grey bar
    and the panel share as a blue bar (red when the quota is not met), 0 to 100%."""
    label_w, bar_w, row_h = 45.0, pdf.epw - 45.0 - 22.0, 7.0
    height = row_h * len(figures.values) + 6
    if pdf.will_page_break(height):
        pdf.add_page()
    x0, y = pdf.l_margin + label_w, pdf.get_y()
    pdf.set_font_size(7)
    pdf.set_text_color(*_MUTED)
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        pdf.set_xy(x0 + bar_w * tick - 6, y)
        pdf.cell(12, 3, _percent(tick), align="C")
    y += 4
    pdf.set_line_width(0.1)
    for value in figures.values:
        pdf.set_xy(pdf.l_margin, y + 1.5)
        pdf.set_font_size(8)
        pdf.set_text_color(*_INK)
        pdf.cell(label_w - 2, 4, pdf.clean(value.value)[:40], align="R")
        pdf.set_draw_color(204, 204, 204)
        pdf.set_fill_color(250, 250, 250)
        pdf.rect(x0, y + 0.5, bar_w, row_h - 1, style="DF")
        low, high = value.target_low, max(value.target_high, value.target_low)
        pdf.set_fill_color(*_TARGET)
        pdf.rect(x0 + bar_w * low, y + 0.5, max(bar_w * (high - low), 0.6), row_h - 1, style="F")
        pdf.set_fill_color(*_POOL)
        if value.pool_share > 0:
            pdf.rect(x0, y + 1.2, bar_w * value.pool_share, 2.0, style="F")
        pdf.set_fill_color(*(_PANEL if value.met else _MISSED))
        if value.panel_share > 0:
            pdf.rect(x0, y + 3.6, bar_w * value.panel_share, 2.4, style="F")
        pdf.set_xy(x0 + bar_w + 1, y + 1.5)
        pdf.cell(21, 4, f"{value.selected} ({_percent(value.panel_share)})")
        y += row_h
    pdf.set_text_color(*_INK)
    pdf.set_font_size(10)
    pdf.set_xy(pdf.l_margin, y + 2)


def run_report_pdf(
    *,
    run: SelectionRun,
    record_url: str | None = None,
    font_path: Path | None = DEFAULT_FONT,
) -> bytes:
    """The run's report as a PDF for clients (A4, bytes beginning ``%PDF``).

    Contents: a title page (assembly, run kind and status, algorithm, engine version, seed,
    input digest, dates, the public draw record's address when published), the fairness
    figures each with a sentence on what it means (and, for a replacement run, why they look
    poor and the figures that matter), the quota table, per category a table and a bar
    drawing of target range vs pool vs panel, and the panel list (random public ids and the
    answers the engine was given, with each person's selection probability). No names or
    contact details.

    Args:
        run: a succeeded run.
        record_url: the absolute address of the public draw record, shown when the run is
            published (the caller knows the site's address).
        font_path: a TrueType font with the glyphs of any language; None or a missing file
            falls back to the core Helvetica font, writing text reduced to Latin-1.

    Raises:
        NoResult: the run has not succeeded.
    """
    report = run_result(run)
    pool = run_pool(run)
    categories = run_categories(run)
    pdf = _pdf_start(run, font_path)

    pdf.add_page()
    pdf.ln(30)
    pdf.set_font_size(22)
    pdf.multi_cell(0, 10, pdf.clean(run.assembly.title), align="L", new_x=XPos.LMARGIN)
    pdf.ln(2)
    pdf.set_font_size(14)
    pdf.set_text_color(*_MUTED)
    title = _("Selection report: %(kind)s run %(id)s") % {
        "kind": run.get_kind_display().lower(),
        "id": run.pk,
    }
    pdf.multi_cell(0, 7, pdf.clean(title), align="L", new_x=XPos.LMARGIN)
    pdf.set_text_color(*_INK)
    pdf.ln(10)
    facts: list[tuple[str, object]] = [
        (_("Assembly"), run.assembly.title),
        (_("Kind of run"), run.get_kind_display()),
        (_("Status"), run.get_status_display()),
        (_("Method (algorithm)"), report.algorithm or run.algorithm),
        (_("Engine version"), report.version),
        (
            _("People drawn"),
            _("%(drawn)s from a pool of %(pool)s")
            % {"drawn": len(report.panel), "pool": len(pool)},
        ),
        (_("Seed"), report.seed or run.seed),
        (_("Input digest (SHA-256)"), report.input_digest),
        (_("Requested"), moment_text(run.created_at)),
        (_("Finished"), moment_text(run.finished_at)),
    ]
    if report.estimated_from:
        facts.append(
            (
                _("Probabilities"),
                _("estimated from %(count)s seeded draws") % {"count": report.estimated_from},
            )
        )
    if run.published_at:
        facts.append((_("Public draw record"), record_url or moment_text(run.published_at)))
    if run.voided_at:
        facts.append((_("Voided"), f"{moment_text(run.voided_at)}: {run.void_reason}"))
    if run.kind == RunKind.TEST:
        facts.append((_("Note"), _("A test run: nobody was marked selected by it.")))
    _table(pdf, facts, widths=(50, 130), size=10, header=False)

    pdf.add_page()
    _heading(pdf, _("Fairness"))
    replacement = run_replacement_figures(run=run)
    if replacement is not None:
        _paragraph(pdf, _replacement_text(replacement))
    for name, value, meaning in _fairness_lines(report):
        pdf.set_font_size(11)
        pdf.multi_cell(0, 5.5, pdf.clean(f"{name}: {value}"), align="L", new_x=XPos.LMARGIN)
        _paragraph(pdf, meaning, size=9, muted=True)

    outcomes = run_quota_outcomes(run=run)
    _heading(pdf, _("Quotas"))
    kept = run.kind == RunKind.REPLACEMENT
    header: list[object] = [
        _("Category"),
        _("Value"),
        _("Min"),
        _("Max"),
        _("In pool"),
        *([_("Kept")] if kept else []),
        _("On the panel"),
        _("Met"),
    ]
    rows: list[list[object]] = [header]
    for q in outcomes:
        rows.append(
            [
                q.category,
                q.value,
                q.min,
                q.max,
                q.pool,
                *([q.kept] if kept else []),
                q.selected,
                _("yes") if q.met else _("NO"),
            ]
        )
    _table(pdf, rows)

    _heading(pdf, _("Target, pool and panel by category"))
    _paragraph(
        pdf,
        _(
            "For each category: the green band is the target range (the quota's minimum to "
            "maximum, as a share of the panel), the grey bar the value's share of the pool, "
            "and the blue bar its share of the panel (red when the quota is not met), with "
            "the number of people on the panel."
        ),
        size=9,
        muted=True,
    )
    for figures in run_category_figures(run=run):
        # the category's table and bars stay on one page with their heading
        block = 5.5 * (len(figures.values) + 2) + 7.0 * len(figures.values) + 12
        _heading(pdf, figures.category, size=12, space=2, keep=min(block, 200))
        rows = [[_("Value"), _("Target"), _("Pool"), _("Panel"), _("Met")]]
        for v in figures.values:
            rows.append(
                [
                    v.value,
                    f"{v.min}–{v.max} ({_percent(v.target_low)}–{_percent(v.target_high)})",
                    f"{v.pool} ({_percent(v.pool_share)})",
                    f"{v.selected} ({_percent(v.panel_share)})",
                    _("yes") if v.met else _("NO"),
                ]
            )
        rows.append([_("Total"), "", str(figures.pool_total), str(figures.panel_total), ""])
        _table(pdf, rows, widths=(50, 45, 30, 30, 25))
        _category_bars(pdf, figures)

    pdf.add_page(orientation="landscape" if len(categories) > 4 else "portrait")
    _heading(pdf, _("The panel (%(count)s people)") % {"count": len(report.panel)})
    _paragraph(
        pdf,
        _(
            "Each person by the random id they were given at registration, with the answers "
            "used for the draw and their selection probability."
        ),
        size=9,
        muted=True,
    )
    by_id = {person["id"]: person for person in pool}
    rows = [["#", _("Id"), *categories, _("Probability")]]
    for number, pid in enumerate(report.panel, start=1):
        answers = by_id.get(pid, {}).get("answers", {})
        probability = report.probabilities.get(pid)
        rows.append(
            [
                number,
                pid,
                *(answers.get(c, "") for c in categories),
                "" if probability is None else f"{probability:.4f}",
            ]
        )
    pdf.set_font_size(8)  # the table's size: an id never wraps
    id_width = max((pdf.get_string_width(pdf.clean(pid)) for pid in report.panel), default=20)
    id_width = min(id_width + 3, 90.0)
    rest = (pdf.epw - 10 - id_width - 20) / max(len(categories), 1)
    _table(pdf, rows, widths=(10, id_width, *([rest] * len(categories)), 20), size=8)
    return bytes(pdf.output())
