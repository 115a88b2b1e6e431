"""`markdown_text`: whatever the text, a viewer renders exactly that text — no HTML, no link, no markup."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from haven.core.markdown import markdown_text
from tests.markdown import HOSTILE, assert_inert_markdown, rendered_text

# text (no control characters: plans and records refuse them) rich in the characters Markdown and HTML give a meaning to
_MARKUP = st.text(
    alphabet=st.sampled_from(list("<>&[]()!*_`|\\#+-=~:;/\"' \t\nabcjsx0123456789."))
    | st.characters(exclude_categories=("Cc", "Cs")),
    max_size=80,
)


@given(_MARKUP)
def test_any_text_renders_as_itself_on_one_line(text: str) -> None:
    # at the start of a line, and inside one
    markdown = markdown_text(text, starts_line=True)
    assert "\n" not in markdown
    assert_inert_markdown(markdown)
    assert rendered_text(markdown) == " ".join(text.split())
    inside = f"Reason: {markdown_text(text)} (recorded)"
    assert_inert_markdown(inside)
    assert rendered_text(inside) == " ".join(f"Reason: {text} (recorded)".split())


def test_hostile_text_renders_as_itself_in_a_table_cell() -> None:
    table = f"| a | b |\n|---|---|\n| {markdown_text(HOSTILE)} | x |\n"
    assert_inert_markdown(table)
    assert rendered_text(table) == f"a b {HOSTILE} x"


def test_a_line_cannot_start_a_heading_a_list_or_a_quote() -> None:
    for text in ("# Title", "- item", "+ item", "1. item", "3) item", "> quote", "___", "=== x"):
        assert rendered_text(markdown_text(text, starts_line=True)) == text
