"""Reading the PDFs Haven writes the way a person would see them: the text drawn on each page, through a
real PDF reader (pypdf), whatever the fonts and the compression."""

from __future__ import annotations

import io

from pypdf import PdfReader


def pdf_pages(pdf: bytes) -> list[str]:
    """Each page's drawn text, whitespace collapsed."""
    reader = PdfReader(io.BytesIO(pdf))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def pdf_text(pdf: bytes) -> str:
    """The text drawn on all pages, joined by spaces."""
    return " ".join(pdf_pages(pdf))


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)
