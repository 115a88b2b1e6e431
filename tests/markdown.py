"""What a Markdown export means once a viewer renders it: read by a CommonMark parser (markdown-it-py)
that lets raw HTML through and follows every link as written — the most trusting viewer there is — so
a test sees exactly what hostile text could become."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser

from markdown_it import MarkdownIt
from markdown_it.token import Token

SAFE_SCHEMES = ("http:", "https:", "mailto:", "tel:")


def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": True}).enable("table")
    parser.validateLink = lambda _url: True  # type: ignore[method-assign]  # a trusting viewer: every link
    return parser


def tokens(text: str) -> Iterator[Token]:
    """Every token of the document, inline ones included."""
    for token in _parser().parse(text):
        yield token
        yield from token.children or ()


def render(text: str) -> str:
    return _parser().render(text)


def assert_inert_markdown(text: str) -> None:
    """No raw HTML reaches the rendered page, and no link or image goes anywhere but http(s), mailto
    or tel."""
    found = list(tokens(text))
    raw = [t.content for t in found if t.type in ("html_block", "html_inline")]
    assert raw == [], f"raw HTML in the Markdown: {raw}"
    targets = [
        str(t.attrGet("href") or t.attrGet("src") or "") for t in found if t.type in ("link_open", "image")
    ]
    unsafe = [target for target in targets if not target.lower().startswith(SAFE_SCHEMES)]
    assert unsafe == [], f"links to other schemes in the Markdown: {unsafe}"
    html = render(text).lower()
    for tag in ("<script", "<img", "<iframe", "<svg", 'href="javascript:', 'src="javascript:'):
        assert tag not in html, f"{tag} in the rendered page"


#: Text that would become markup, a link or an entity if a Markdown export let it through.
HOSTILE = (
    '<script>alert(1)</script> <img src=x onerror="alert(2)"> [click](javascript:alert(3)) '
    "![x](javascript:alert(4)) <javascript:alert(5)> &lt;b&gt; `code` *em* | cell"
)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def rendered_text(text: str) -> str:
    """What a reader sees of the rendered document: its text, spaces collapsed."""
    parser = _Text()
    parser.feed(render(text))
    return " ".join("".join(parser.parts).split())
