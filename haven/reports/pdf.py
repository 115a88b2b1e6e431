"""A report as a printable PDF (reportlab, built-in Helvetica only): its tables, and its charts drawn as
vectors by the same matplotlib figures as the page's SVG.

Every page carries the audience in its header and footer and "page N of M"; an exercise's pages carry a
diagonal "EXERCISE — FICTIONAL DATA" watermark. Each chart is followed by its description in words, and
its data is in the tables of its section, so the figures can be read without the picture.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any, Final
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Paragraph as PdfParagraph
from reportlab.platypus import Table as PdfTable

from haven.reports.audiences import Audience
from haven.reports.charts import Chart, chart_size, charts_for, draw_on_canvas
from haven.reports.formats import EXERCISE_MARKING, heading, marker_note
from haven.reports.layout import Block, sections
from haven.reports.services import Report

_MARGIN: Final = 0.75 * inch
_INK: Final = colors.HexColor("#1b1f24")
_MUTED: Final = colors.HexColor("#5b6470")
_RULE: Final = colors.HexColor("#c4cad3")
_HEAD_FILL: Final = colors.HexColor("#e6eaf0")
_ZEBRA: Final = colors.HexColor("#f6f7f9")
_ACCENT: Final = colors.HexColor("#1f4e79")
_INTERNAL: Final = colors.HexColor("#8b1f1f")
_EXERCISE: Final = colors.HexColor("#b35900")

_BODY: Final = ParagraphStyle("body", fontName="Helvetica", fontSize=9.5, leading=12.5, textColor=_INK)
_CELL: Final = ParagraphStyle("cell", parent=_BODY, fontSize=8.5, leading=10.5)
_CELL_HEAD: Final = ParagraphStyle("cell-head", parent=_CELL, fontName="Helvetica-Bold")
_CAPTION: Final = ParagraphStyle(
    "caption",
    parent=_BODY,
    fontName="Helvetica-Bold",
    fontSize=9,
    textColor=_MUTED,
    spaceBefore=4,
    spaceAfter=3,
)
_HEADING: Final = ParagraphStyle(
    "heading",
    parent=_BODY,
    fontName="Helvetica-Bold",
    fontSize=12.5,
    leading=16,
    spaceBefore=10,
    spaceAfter=5,
)
_TITLE: Final = ParagraphStyle("title", parent=_BODY, fontName="Helvetica-Bold", fontSize=18, leading=22)
_SUBTITLE: Final = ParagraphStyle("subtitle", parent=_BODY, fontSize=10, leading=13.5, textColor=_MUTED)
_BANNER: Final = ParagraphStyle(
    "banner", parent=_BODY, fontName="Helvetica-Bold", fontSize=9.5, leading=12.5, textColor=colors.white
)


def _p(text: str, style: ParagraphStyle) -> PdfParagraph:
    return PdfParagraph(escape(" ".join(text.split())), style)


def _marking(report: Report) -> str:
    if report.audience is Audience.INTERNAL:
        return "INTERNAL — TASK FORCE COORDINATORS ONLY"
    return "SHAREABLE — DE-IDENTIFIED FIGURES"


def _banner(text: str, fill: colors.Color) -> PdfTable:
    table = PdfTable([[_p(text, _BANNER)]], colWidths=["100%"])
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), fill),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


def _table(block: Block, width: float) -> list[Flowable]:
    columns = len(block.columns)
    if len(block.widths) == columns:
        widths = [width * w / sum(block.widths) for w in block.widths]
    else:
        first = 0.6 if columns == 2 else 0.42 if columns == 3 else 0.24
        widths = [width * first] + [width * (1 - first) / (columns - 1)] * (columns - 1)
    rows = [[_p(c, _CELL_HEAD) for c in block.columns]]
    rows += [[_p(c, _CELL) for c in row] for row in block.rows]
    table = PdfTable(rows, colWidths=widths, repeatRows=1)
    style: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), _HEAD_FILL),
        ("LINEABOVE", (0, 0), (-1, 0), 1.2, _ACCENT),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, _ACCENT),
        ("LINEBELOW", (0, -1), (-1, -1), 0.6, _RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    style += [("BACKGROUND", (0, i), (-1, i), _ZEBRA) for i in range(2, len(rows), 2)]
    table.setStyle(TableStyle(style))
    flowables: list[Flowable] = [_p(block.caption, _CAPTION)] if block.caption else []
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
        _banner(_marking(report), _INTERNAL if report.internal else _ACCENT),
        Spacer(1, 10),
        _p(title, _TITLE),
        Spacer(1, 3),
        _p(subtitle, _SUBTITLE),
    ]
    if report.exercise:
        story += [
            Spacer(1, 8),
            _banner(f"{EXERCISE_MARKING} — every person and number is invented", _EXERCISE),
        ]
    if report.audience is Audience.SHAREABLE:
        story += [
            Spacer(1, 6),
            _p(marker_note(report), _BODY),
        ]
    story.append(Spacer(1, 4))
    for section in sections(report):
        parts: list[Flowable] = []
        if section.note:
            parts.append(_p(section.note, _BODY))
        parts += _blocks(section.blocks, width)
        story += [
            CondPageBreak(1.4 * inch),
            KeepTogether([_p(section.title, _HEADING), parts[0]]),
            *parts[1:],
        ]
    # each chart's data is already in a table of its section: here, the chart and its description
    for number, chart in enumerate(charts_for(report)):
        heading_ = [_p("Charts", _HEADING)] if number == 0 else []
        parts = [*heading_, ChartFlowable(chart), Spacer(1, 3), _p(chart.description, _CELL), Spacer(1, 10)]
        story.append(KeepTogether(parts))
    story.append(
        _p("Percentiles use the nearest-rank method; minutes are whole minutes, rounded down.", _CELL)
    )
    return story


class _NumberedCanvas(Canvas):  # type: ignore[misc]  # reportlab is untyped
    """Draws the header, the footer ("page N of M") and the exercise watermark once the pages are known."""

    report: Report

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self._decorate(number, total)
            super().showPage()
        super().save()

    def _decorate(self, number: int, total: int) -> None:
        report = self.report
        width, height = self._pagesize
        accent = _INTERNAL if report.internal else _ACCENT
        self.saveState()
        if report.exercise:
            self.setFillColor(colors.Color(0.85, 0.35, 0.0, alpha=0.12))
            self.setFont("Helvetica-Bold", 40)
            self.translate(width / 2, height / 2)
            self.rotate(45)
            self.drawCentredString(0, -16, EXERCISE_MARKING)
            self.rotate(-45)
            self.translate(-width / 2, -height / 2)
        top = height - _MARGIN + 22
        self.setFillColor(accent)
        self.setFont("Helvetica-Bold", 8)
        self.drawString(_MARGIN, top, _marking(report))
        self.setFillColor(_MUTED)
        self.setFont("Helvetica", 8)
        self.drawRightString(width - _MARGIN, top, f"After-action report · {report.code}")
        self.setStrokeColor(_RULE)
        self.setLineWidth(0.5)
        self.line(_MARGIN, top - 5, width - _MARGIN, top - 5)
        bottom = _MARGIN - 28
        self.line(_MARGIN, bottom + 11, width - _MARGIN, bottom + 11)
        self.setFillColor(accent)
        self.setFont("Helvetica-Bold", 8)
        self.drawString(_MARGIN, bottom, _marking(report))
        page = f"Page {number} of {total}"
        self.setFillColor(_MUTED)
        self.setFont("Helvetica", 8)
        self.drawRightString(width - _MARGIN, bottom, page)
        if report.exercise:
            self.setFillColor(_EXERCISE)
            self.setFont("Helvetica-Bold", 8)
            self.drawRightString(
                width - _MARGIN - self.stringWidth(page, "Helvetica", 8) - 12, bottom, EXERCISE_MARKING
            )
        self.restoreState()


def to_pdf(report: Report, *, compress: bool = True) -> bytes:
    """The report as a PDF document (US Letter). `compress=False` keeps its text searchable in the bytes."""
    buffer = io.BytesIO()
    title, _ = heading(report)
    document = BaseDocTemplate(
        buffer,
        pagesize=LETTER,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=_MARGIN,
        bottomMargin=_MARGIN,
        title=title,
        subject=_marking(report),
        author="Haven",
        creator="Haven",
        pageCompression=1 if compress else 0,
        invariant=1,
    )
    frame = Frame(_MARGIN, _MARGIN, document.width, document.height, id="body", leftPadding=0, rightPadding=0)
    document.addPageTemplates([PageTemplate(id="page", frames=[frame])])

    class Canvas(_NumberedCanvas):
        pass

    Canvas.report = report
    document.build(_story(report, document.width), canvasmaker=Canvas)
    return buffer.getvalue()
