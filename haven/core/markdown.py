"""Text inside the Markdown documents Haven writes (briefings, the after-action report): text, never markup.

A plan's names and addresses and a record's free text (a release reason) reach a Markdown export as the
words that were written once any viewer renders it: no raw HTML (`<script>`, `<img onerror=…>`), no
character reference (`&lt;`), no link or image (`[x](javascript:…)`, `<javascript:…>`, which also
closes off every scheme other than http(s), mailto and tel, since no link is made at all), and no
emphasis, code span or table border the writer did not mean. CommonMark lets any ASCII punctuation be
escaped with a backslash; these are, and the whole text is kept on one line, so it cannot start a
heading, a quote, a list or a block of HTML of its own. Every Markdown writer calls `markdown_text`.
"""

from __future__ import annotations

import re
from typing import Final

# `\` escapes, `` ` `` code, `*` `_` emphasis, `~` strikethrough (GFM), `[ ]` links and images, `< >` HTML
# and autolinks, `&` character references, `|` table cells
# (`_` inside a word, as in `foreign_national`, starts no emphasis and stays as it is)
_SPECIAL: Final = re.compile(r"([\\`*~\[\]<>&|]|(?<![^\W_])_|_(?![^\W_]))")
# what a line may not start with: a heading, a list item, a quote, a setext underline or thematic break
_LINE_STARTS: Final = ("#", "+", "-", "=", ">", "_", "~")
_ORDERED_ITEM: Final = re.compile(r"^(\d{1,9})([.)])")  # `1. ` or `1) ` starts a numbered list


def markdown_text(text: str, *, starts_line: bool = False) -> str:
    """`text` as Markdown that renders as exactly that text: one line, every markup character escaped
    (and, with `starts_line`, a first character that would start a block)."""
    flat = " ".join(text.split())
    escaped = _SPECIAL.sub(r"\\\1", flat)
    if starts_line and escaped.startswith(_LINE_STARTS):
        return "\\" + escaped
    if starts_line:
        return _ORDERED_ITEM.sub(r"\1\\\2", escaped)
    return escaped
