"""A report as a printable PDF (reportlab, in the shared printed look of haven.core.printing): its tables, and its charts drawn as
vectors by the same matplotlib figures as the page's SVG.

Every page carries the audience in its header and footer and "page N of M"; an exercise's pages carry a
diagonal "EXERCISE — FICTIONAL DATA" watermark. Each chart is followed by its description in words, and
its data is in the tables of its section, so the figures can be read without the picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from reportlab.lib.units import inch
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as PdfTable

from haven.core import printing
from haven.core.markings import EXERCISE_MARKING
from haven.reports.audiences import Audience
from haven.reports.charts import Chart, chart_size, charts_for, draw_on_canvas
from haven.reports.formats import heading, marker_note
from haven.reports.layout import Block, sections
from haven.reports.services import Report

_ACCENT: Final = printing.BLUE
_INTERNAL: Final = printing.RED


def _marking(report: Report) -> str:
    if report.audience is Audience.INTERNAL:
        return "INTERNAL — TASK FORCE COORDINATORS ONLY"
    return "SHAREABLE — DE-IDENTIFIED FIGURES"


def _table(block: Block, width: float) -> list[Flowable]:
    columns = len(block.columns)
    if len(block.widths) == columns:
        widths = [width * w / sum(block.widths) for w in block.widths]
    else:
        first = 0.6 if columns == 2 else 0.42 if columns == 3 else 0.24
        widths = [width * first] + [width * (1 - first) / (columns - 1)] * (columns - 1)
    rows = [[printing.paragraph(c, printing.CELL_HEAD) for c in block.columns]]
    rows += [[printing.paragraph(c, printing.CELL) for c in row] for row in block.rows]
    table = PdfTable(rows, colWidths=widths, repeatRows=1)
    style: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), printing.HEAD_FILL),
        ("LINEABOVE", (0, 0), (-1, 0), 1.2, _ACCENT),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, _ACCENT),
        ("LINEBELOW", (0, -1), (-1, -1), 0.6, printing.RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    style += [("BACKGROUND", (0, i), (-1, i), printing.ZEBRA) for i in range(2, len(rows), 2)]
    table.setStyle(TableStyle(style))
    flowables: list[Flowable] = [printing.paragraph(block.caption, printing.CAPTION)] if block.caption else []
    return [*flowables, table, Spacer(1, 6)]


def _blocks(blocks: Sequence[Block], width: float) -> list[Flowable]:
    """The section's tables; two-column tables side by side in pairs, so a page holds more."""
    flowables: list[Flowable] = []
    pending: list[Block] = []
    gap = 14

    def flush() -> None:
        if len(pending) == 2:
            half = (width - gap) / 2
            pair = PdfTable(
                [[_table(pending[0], half), _table(pending[1], half)]], colWidths=[half + gap, half]
            )
            pair.setStyle(
                TableStyle(
                    [
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ("LEFTPADDING", (0, 0), (-1, -1), 0),
                        ("RIGHTPADDING", (0, 0), (0, 0), gap),
                        ("RIGHTPADDING", (1, 0), (1, 0), 0),
                        ("TOPPADDING", (0, 0), (-1, -1), 0),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                    ]
                )
            )
            flowables.append(pair)
        elif pending:
            flowables.extend(_table(pending[0], width))
        pending.clear()

    for block in blocks:
        if len(block.columns) == 2:
            pending.append(block)
            if len(pending) == 2:
                flush()
        else:
            flush()
            flowables.extend(_table(block, width))
    flush()
    return flowables


class ChartFlowable(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """A chart drawn as vectors, scaled down to the frame's width when it is wider."""

    def __init__(self, chart: Chart) -> None:
        super().__init__()
        self.chart = chart
        self.natural = chart_size(chart)
        self.scale = 1.0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        width, height = self.natural
        self.scale = min(1.0, available_width / width)
        return width * self.scale, height * self.scale

    def draw(self) -> None:
        self.canv.saveState()
        self.canv.scale(self.scale, self.scale)
        draw_on_canvas(self.chart, self.canv, 0, 0)
        self.canv.restoreState()


def _story(report: Report, width: float) -> list[Flowable]:
    title, subtitle = heading(report)
    story: list[Flowable] = [
        printing.banner(_marking(report), _INTERNAL if report.internal else _ACCENT),
        Spacer(1, 10),
        printing.paragraph(title, printing.TITLE),
        Spacer(1, 3),
        printing.paragraph(subtitle, printing.SUBTITLE),
    ]
    if report.exercise:
        story += [
            Spacer(1, 8),
            printing.banner(f"{EXERCISE_MARKING} — every person and number is invented", printing.EXERCISE),
        ]
    if report.audience is Audience.SHAREABLE:
        story += [
            Spacer(1, 6),
            printing.paragraph(marker_note(report), printing.BODY),
        ]
    story.append(Spacer(1, 4))
    for section in sections(report):
        parts: list[Flowable] = []
        if section.note:
            parts.append(printing.paragraph(section.note, printing.BODY))
        parts += _blocks(section.blocks, width)
        story += [
            CondPageBreak(1.4 * inch),
            KeepTogether([printing.paragraph(section.title, printing.HEADING), parts[0]]),
            *parts[1:],
        ]
    # each chart's data is already in a table of its section: here, the chart and its description
    for number, chart in enumerate(charts_for(report)):
        heading_ = [printing.paragraph("Charts", printing.HEADING)] if number == 0 else []
        drawing: list[Flowable] = (
            # nothing to draw (withheld or zero, or nothing recorded): say why instead of empty axes
            [printing.paragraph(f"{chart.title}: {chart.not_drawn}", printing.BODY)]
            if chart.not_drawn
            else [ChartFlowable(chart)]
        )
        if chart.withheld_note:
            drawing += [Spacer(1, 3), printing.paragraph(chart.withheld_note, printing.CELL)]
        parts = [
            *heading_,
            *drawing,
            Spacer(1, 3),
            printing.paragraph(chart.description, printing.CELL),
            Spacer(1, 10),
        ]
        story.append(KeepTogether(parts))
    story.append(
        printing.paragraph(
            "Percentiles use the nearest-rank method; minutes are whole minutes, rounded down.", printing.CELL
        )
    )
    return story


def to_pdf(report: Report, *, compress: bool = True) -> bytes:
    """The report as a PDF document (US Letter). `compress=False` keeps its text searchable in the bytes."""
    marking = printing.Marking(
        text=_marking(report),
        title=f"After-action report · {report.code}",
        accent=_INTERNAL if report.internal else _ACCENT,
        exercise=report.exercise,
    )
    return printing.build_pdf(marking, lambda width: _story(report, width), compress=compress)
