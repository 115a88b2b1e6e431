"""Haven's printed look, shared by the briefings and the after-action report (reportlab). Pure: no Django.

Text is set in DejaVu Sans, embedded (subset) in each PDF: the font files ship with matplotlib, a pinned
dependency, so no system font is read and every deployment prints alike. Unlike the PDF viewers' built-in
Helvetica (Latin-1 only), it draws the names and notes a task force writes in Vietnamese, Polish,
Romanian, Russian, Ukrainian, Greek and most other Latin, Cyrillic and Greek scripts; Chinese, Korean,
Japanese and Thai are beyond it (see `unprintable`).

Every page carries the document's marking (its audience) in the header and footer, its title, "page N of
M", and for an exercise a diagonal watermark, so a printed page can never be mistaken for real data or for
a document meant for another audience.
"""

from __future__ import annotations

import importlib.util
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, TableStyle
from reportlab.platypus import Paragraph as PdfParagraph
from reportlab.platypus import Table as PdfTable

from haven.core.markings import EXERCISE_MARKING

SANS: Final = "HavenSans"
SANS_BOLD: Final = "HavenSans-Bold"


def _font_directory() -> Path:
    """matplotlib's bundled fonts (found without importing matplotlib itself)."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or spec.origin is None:
        raise RuntimeError("matplotlib (a pinned dependency) is not installed: its fonts print Haven's PDFs")
    return Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf"


def _register_fonts() -> TTFont:
    fonts = _font_directory()
    regular = TTFont(SANS, str(fonts / "DejaVuSans.ttf"))
    pdfmetrics.registerFont(regular)
    pdfmetrics.registerFont(TTFont(SANS_BOLD, str(fonts / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(SANS, normal=SANS, bold=SANS_BOLD, italic=SANS, boldItalic=SANS_BOLD)
    return regular


_REGULAR: Final = _register_fonts()


def unprintable(text: str) -> set[str]:
    """The characters of the text the printed font has no glyph for (they would print as boxes)."""
    covered = _REGULAR.face.charToGlyph
    return {c for c in text if not c.isspace() and ord(c) not in covered}


MARGIN: Final = 0.75 * inch
INK: Final = colors.HexColor("#1b1f24")
MUTED: Final = colors.HexColor("#5b6470")
RULE: Final = colors.HexColor("#c4cad3")
HEAD_FILL: Final = colors.HexColor("#e6eaf0")
ZEBRA: Final = colors.HexColor("#f6f7f9")
BLUE: Final = colors.HexColor("#1f5f8b")
RED: Final = colors.HexColor("#8b1f1f")
EXERCISE: Final = colors.HexColor("#b35900")

BODY: Final = ParagraphStyle("body", fontName=SANS, fontSize=9.5, leading=12.5, textColor=INK)
CELL: Final = ParagraphStyle("cell", parent=BODY, fontSize=8.5, leading=10.5, alignment=TA_LEFT)
CELL_HEAD: Final = ParagraphStyle("cell-head", parent=CELL, fontName=SANS_BOLD)
LABEL: Final = ParagraphStyle("label", parent=BODY, fontName=SANS_BOLD)
CAPTION: Final = ParagraphStyle(
    "caption",
    parent=BODY,
    fontName=SANS_BOLD,
    fontSize=9,
    textColor=MUTED,
    spaceBefore=4,
    spaceAfter=3,
)
HEADING: Final = ParagraphStyle(
    "heading", parent=BODY, fontName=SANS_BOLD, fontSize=12.5, leading=16, spaceBefore=11, spaceAfter=5
)
TITLE: Final = ParagraphStyle("title", parent=BODY, fontName=SANS_BOLD, fontSize=19, leading=23)
SUBTITLE: Final = ParagraphStyle("subtitle", parent=BODY, fontSize=10.5, leading=14, textColor=MUTED)
BANNER: Final = ParagraphStyle(
    "banner", parent=BODY, fontName=SANS_BOLD, fontSize=10, leading=13, textColor=colors.white
)


def paragraph(text: str, style: ParagraphStyle) -> PdfParagraph:
    """Text as a paragraph: escaped (never markup from the data), whitespace collapsed."""
    return PdfParagraph(escape(" ".join(text.split())), style)


def banner(text: str, fill: colors.Color) -> PdfTable:
    """A full-width coloured band with white text (the marking under the title, the exercise note)."""
    table = PdfTable([[paragraph(text, BANNER)]], colWidths=["100%"])
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


@dataclass(frozen=True)
class Marking:
    """What every page of a document says about it."""

    text: str  # the audience marking, e.g. "SERVICE BRIEFING — NEED TO KNOW"
    title: str  # the document, top right of every page
    accent: colors.Color
    exercise: bool


class _NumberedCanvas(Canvas):  # type: ignore[misc]  # reportlab is untyped
    """Draws the header, the footer ("page N of M") and the watermark once the number of pages is known."""

    marking: Marking

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
        marking = self.marking
        width, height = self._pagesize
        self.saveState()
        if marking.exercise:
            self.setFillColor(colors.Color(0.85, 0.35, 0.0, alpha=0.13))
            self.setFont(SANS_BOLD, 40)
            self.translate(width / 2, height / 2)
            self.rotate(45)
            self.drawCentredString(0, -16, EXERCISE_MARKING)
            self.rotate(-45)
            self.translate(-width / 2, -height / 2)
        top = height - MARGIN + 22
        self.setFillColor(marking.accent)
        self.setFont(SANS_BOLD, 8)
        self.drawString(MARGIN, top, marking.text)
        self.setFillColor(MUTED)
        self.setFont(SANS, 8)
        self.drawRightString(width - MARGIN, top, marking.title)
        self.setStrokeColor(RULE)
        self.setLineWidth(0.5)
        self.line(MARGIN, top - 5, width - MARGIN, top - 5)
        bottom = MARGIN - 28
        self.line(MARGIN, bottom + 11, width - MARGIN, bottom + 11)
        self.setFillColor(marking.accent)
        self.setFont(SANS_BOLD, 8)
        self.drawString(MARGIN, bottom, marking.text)
        page = f"Page {number} of {total}"
        self.setFillColor(MUTED)
        self.setFont(SANS, 8)
        self.drawRightString(width - MARGIN, bottom, page)
        if marking.exercise:
            self.setFillColor(EXERCISE)
            self.setFont(SANS_BOLD, 8)
            self.drawRightString(
                width - MARGIN - self.stringWidth(page, SANS, 8) - 12, bottom, EXERCISE_MARKING
            )
        self.restoreState()


def build_pdf(marking: Marking, story: Callable[[float], list[Flowable]], *, compress: bool = True) -> bytes:
    """A US Letter PDF of the story (built for the frame's width), every page marked.
    `compress=False` keeps the text searchable in the bytes."""
    buffer = io.BytesIO()
    document = BaseDocTemplate(
        buffer,
        pagesize=LETTER,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=marking.title,
        subject=marking.text,
        author="Haven",
        creator="Haven",
        pageCompression=1 if compress else 0,
        invariant=1,
    )
    frame = Frame(MARGIN, MARGIN, document.width, document.height, id="body", leftPadding=0, rightPadding=0)
    document.addPageTemplates([PageTemplate(id="page", frames=[frame])])

    class MarkedCanvas(_NumberedCanvas):
        pass

    MarkedCanvas.marking = marking
    flowables = story(document.width)
    missing = unprintable("".join(_texts(flowables)))
    if missing:
        # Named by code point: the characters themselves are what this font cannot draw.
        shown = ", ".join(f"U+{ord(c):04X}" for c in sorted(missing)[:8]) + (
            ", …" if len(missing) > 8 else ""
        )
        flowables.insert(
            0,
            banner(
                f"This PDF cannot draw {len(missing)} character(s) of its text ({shown}): they print as "
                "boxes. Read those parts on screen in Haven.",
                RED,
            ),
        )
    document.build(flowables, canvasmaker=MarkedCanvas)
    return buffer.getvalue()


def _texts(flowables: list[Any]) -> Iterator[str]:
    """Every paragraph's text in the flowables, tables' cells included."""
    for flowable in flowables:
        if isinstance(flowable, PdfParagraph):
            yield flowable.text
        elif isinstance(flowable, PdfTable):
            for row in flowable._cellvalues:
                for cell in row:
                    yield from _texts(cell if isinstance(cell, list) else [cell])
        elif isinstance(flowable, str):
            yield flowable
