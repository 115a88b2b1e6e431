"""A briefing as a printable PDF (reportlab, built-in Helvetica only: no system font is read).

Every page carries the distribution marking in its header and footer, the page number out of the total, and
for an exercise a diagonal "EXERCISE — FICTIONAL DATA" watermark. Tables repeat their header row on each page.
"""

from __future__ import annotations

import io
from typing import Any, Final
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
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

from haven.plans.briefing import EXERCISE_MARKING, Briefing, Bullets, Fields, Paragraph, Table

_MARGIN: Final = 0.75 * inch
_INK: Final = colors.HexColor("#1b1f24")
_MUTED: Final = colors.HexColor("#5b6470")
_RULE: Final = colors.HexColor("#c4cad3")
_HEAD_FILL: Final = colors.HexColor("#e6eaf0")
_ZEBRA: Final = colors.HexColor("#f6f7f9")
_SERVICE_ACCENT: Final = colors.HexColor("#1f5f8b")
_FULL_ACCENT: Final = colors.HexColor("#8b1f1f")

_BODY: Final = ParagraphStyle("body", fontName="Helvetica", fontSize=9.5, leading=12.5, textColor=_INK)
_CELL: Final = ParagraphStyle("cell", parent=_BODY, fontSize=8.5, leading=10.5, alignment=TA_LEFT)
_CELL_HEAD: Final = ParagraphStyle("cell-head", parent=_CELL, fontName="Helvetica-Bold")
_LABEL: Final = ParagraphStyle("label", parent=_BODY, fontName="Helvetica-Bold")
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
    spaceBefore=12,
    spaceAfter=5,
)
_TITLE: Final = ParagraphStyle("title", parent=_BODY, fontName="Helvetica-Bold", fontSize=19, leading=23)
_SUBTITLE: Final = ParagraphStyle("subtitle", parent=_BODY, fontSize=10.5, leading=14, textColor=_MUTED)
_BANNER: Final = ParagraphStyle(
    "banner", parent=_BODY, fontName="Helvetica-Bold", fontSize=10, leading=13, textColor=colors.white
)


def _p(text: str, style: ParagraphStyle) -> PdfParagraph:
    return PdfParagraph(escape(" ".join(text.split())), style)


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


def _fields(block: Fields, width: float) -> PdfTable:
    rows = [[_p(label, _LABEL), _p(value, _BODY)] for label, value in block.items]
    table = PdfTable(rows, colWidths=[width * 0.3, width * 0.7])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, _RULE),
            ]
        )
    )
    return table


def _table(block: Table, width: float, accent: colors.Color) -> list[Flowable]:
    weights = block.widths if len(block.widths) == len(block.columns) else (1.0,) * len(block.columns)
    total = sum(weights)
    rows = [[_p(column, _CELL_HEAD) for column in block.columns]]
    rows += [[_p(cell, _CELL) for cell in row] for row in block.rows]
    table = PdfTable(rows, colWidths=[width * w / total for w in weights], repeatRows=1)
    style: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), _HEAD_FILL),
        ("LINEABOVE", (0, 0), (-1, 0), 1.2, accent),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, accent),
        ("LINEBELOW", (0, -1), (-1, -1), 0.6, _RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    style += [("BACKGROUND", (0, i), (-1, i), _ZEBRA) for i in range(2, len(rows), 2)]
    table.setStyle(TableStyle(style))
    flowables: list[Flowable] = []
    if block.caption:
        flowables.append(_p(block.caption, _CAPTION))
    flowables.append(table)
    return flowables


def _story(briefing: Briefing, width: float) -> list[Flowable]:
    accent = _SERVICE_ACCENT if briefing.audience == "service" else _FULL_ACCENT
    story: list[Flowable] = [
        _banner(briefing.marking, accent),
        Spacer(1, 10),
        _p(briefing.title, _TITLE),
        Spacer(1, 3),
        _p(briefing.subtitle, _SUBTITLE),
    ]
    if briefing.exercise:
        story += [
            Spacer(1, 8),
            _banner(f"{EXERCISE_MARKING} — every name and number is invented", colors.HexColor("#b35900")),
        ]
    story.append(Spacer(1, 6))
    for section in briefing.sections:
        parts: list[Flowable] = []
        for block in section.blocks:
            if isinstance(block, Paragraph):
                parts.append(_p(block.text, _BODY))
            elif isinstance(block, Fields):
                parts.append(_fields(block, width))
            elif isinstance(block, Bullets):
                parts += [_p(f"• {item}", _BODY) for item in block.items]
            else:
                parts += _table(block, width, accent)
            parts.append(Spacer(1, 5))
        # a heading never ends a page: keep it with the start of its section
        story += [
            CondPageBreak(1.2 * inch),
            KeepTogether([_p(section.heading, _HEADING), parts[0]]),
            *parts[1:],
        ]
    return story


class _NumberedCanvas(Canvas):  # type: ignore[misc]  # reportlab is untyped
    """Draws the header, footer ("page N of M") and watermark once the number of pages is known."""

    briefing: Briefing

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
        briefing = self.briefing
        page_width, page_height = self._pagesize
        accent = _SERVICE_ACCENT if briefing.audience == "service" else _FULL_ACCENT
        self.saveState()
        if briefing.exercise:
            self.setFillColor(colors.Color(0.85, 0.35, 0.0, alpha=0.13))
            self.setFont("Helvetica-Bold", 40)
            self.translate(page_width / 2, page_height / 2)
            self.rotate(45)
            self.drawCentredString(0, -16, EXERCISE_MARKING)
            self.rotate(-45)
            self.translate(-page_width / 2, -page_height / 2)
        top = page_height - _MARGIN + 22
        self.setFillColor(accent)
        self.setFont("Helvetica-Bold", 8)
        self.drawString(_MARGIN, top, briefing.marking)
        self.setFillColor(_MUTED)
        self.setFont("Helvetica", 8)
        self.drawRightString(page_width - _MARGIN, top, briefing.title)
        self.setStrokeColor(_RULE)
        self.setLineWidth(0.5)
        self.line(_MARGIN, top - 5, page_width - _MARGIN, top - 5)
        bottom = _MARGIN - 28
        self.line(_MARGIN, bottom + 11, page_width - _MARGIN, bottom + 11)
        self.setFillColor(accent)
        self.setFont("Helvetica-Bold", 8)
        self.drawString(_MARGIN, bottom, briefing.marking)
        if briefing.exercise:
            self.setFillColor(colors.HexColor("#b35900"))
            self.drawCentredString(page_width / 2, bottom, EXERCISE_MARKING)
        self.setFillColor(_MUTED)
        self.setFont("Helvetica", 8)
        self.drawRightString(page_width - _MARGIN, bottom, f"Page {number} of {total}")
        self.restoreState()


def render_pdf(briefing: Briefing, *, compress: bool = True) -> bytes:
    """The briefing as a PDF document (US Letter). `compress=False` keeps the text searchable in the bytes."""
    buffer = io.BytesIO()
    document = BaseDocTemplate(
        buffer,
        pagesize=LETTER,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=_MARGIN,
        bottomMargin=_MARGIN,
        title=briefing.title,
        subject=briefing.marking,
        author="Haven",
        creator="Haven",
        pageCompression=1 if compress else 0,
        invariant=1,
    )
    frame = Frame(_MARGIN, _MARGIN, document.width, document.height, id="body", leftPadding=0, rightPadding=0)
    document.addPageTemplates([PageTemplate(id="page", frames=[frame])])

    class Canvas(_NumberedCanvas):
        pass

    Canvas.briefing = briefing
    document.build(_story(briefing, document.width), canvasmaker=Canvas)
    return buffer.getvalue()
