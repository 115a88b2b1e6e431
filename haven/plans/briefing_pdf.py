"""A briefing as a printable PDF (reportlab, in the shared printed look of haven.core.printing).

Every page carries the distribution marking in its header and footer, the page number out of the total, and
for an exercise a diagonal "EXERCISE — FICTIONAL DATA" watermark. Tables repeat their header row on each page.
"""

from __future__ import annotations

from typing import Any, Final

from reportlab.lib import colors
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
from haven.plans.briefing import Briefing, Bullets, Fields, Paragraph, Table

_SERVICE_ACCENT: Final = printing.BLUE
_FULL_ACCENT: Final = printing.RED


def _fields(block: Fields, width: float) -> PdfTable:
    rows = [
        [printing.paragraph(label, printing.LABEL), printing.paragraph(value, printing.BODY)]
        for label, value in block.items
    ]
    table = PdfTable(rows, colWidths=[width * 0.3, width * 0.7])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, printing.RULE),
            ]
        )
    )
    return table


def _table(block: Table, width: float, accent: colors.Color) -> list[Flowable]:
    weights = block.widths if len(block.widths) == len(block.columns) else (1.0,) * len(block.columns)
    total = sum(weights)
    rows = [[printing.paragraph(column, printing.CELL_HEAD) for column in block.columns]]
    rows += [[printing.paragraph(cell, printing.CELL) for cell in row] for row in block.rows]
    table = PdfTable(rows, colWidths=[width * w / total for w in weights], repeatRows=1)
    style: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), printing.HEAD_FILL),
        ("LINEABOVE", (0, 0), (-1, 0), 1.2, accent),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, accent),
        ("LINEBELOW", (0, -1), (-1, -1), 0.6, printing.RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    style += [("BACKGROUND", (0, i), (-1, i), printing.ZEBRA) for i in range(2, len(rows), 2)]
    table.setStyle(TableStyle(style))
    flowables: list[Flowable] = []
    if block.caption:
        flowables.append(printing.paragraph(block.caption, printing.CAPTION))
    flowables.append(table)
    return flowables


def _story(briefing: Briefing, width: float) -> list[Flowable]:
    accent = _SERVICE_ACCENT if briefing.audience == "service" else _FULL_ACCENT
    story: list[Flowable] = [
        printing.banner(briefing.marking, accent),
        Spacer(1, 10),
        printing.paragraph(briefing.title, printing.TITLE),
        Spacer(1, 3),
        printing.paragraph(briefing.subtitle, printing.SUBTITLE),
    ]
    if briefing.exercise:
        story += [
            Spacer(1, 8),
            printing.banner(
                f"{EXERCISE_MARKING} — every name and number is invented", colors.HexColor("#b35900")
            ),
        ]
    story.append(Spacer(1, 6))
    for section in briefing.sections:
        parts: list[Flowable] = []
        for block in section.blocks:
            if isinstance(block, Paragraph):
                parts.append(printing.paragraph(block.text, printing.BODY))
            elif isinstance(block, Fields):
                parts.append(_fields(block, width))
            elif isinstance(block, Bullets):
                parts += [printing.paragraph(f"• {item}", printing.BODY) for item in block.items]
            else:
                parts += _table(block, width, accent)
            parts.append(Spacer(1, 5))
        # a heading never ends a page: keep it with the start of its section
        story += [
            CondPageBreak(1.2 * inch),
            KeepTogether([printing.paragraph(section.heading, printing.HEADING), parts[0]]),
            *parts[1:],
        ]
    return story


def render_pdf(briefing: Briefing, *, compress: bool = True) -> bytes:
    """The briefing as a PDF document (US Letter). `compress=False` keeps the text searchable in the bytes."""
    accent = _SERVICE_ACCENT if briefing.audience == "service" else _FULL_ACCENT
    marking = printing.Marking(
        text=briefing.marking, title=briefing.title, accent=accent, exercise=briefing.exercise
    )
    return printing.build_pdf(marking, lambda width: _story(briefing, width), compress=compress)
