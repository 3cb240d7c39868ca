"""What a reader may receive: the tags each output may hold, and checks that parse the outputs
(HTML as a browser's parser reads it; Markdown rendered by a CommonMark renderer)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from markdown_it import MarkdownIt

from flows.brief.safety import safe_url

# the tags the HTML brief is made of
HTML_TAGS = frozenset(
    {
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "div",
        "table",
        "tbody",
        "tr",
        "td",
        "th",
        "p",
        "h1",
        "h2",
        "span",
        "a",
        "strong",
        "img",
        "em",
        "br",
    }
)
# the tags the Markdown brief renders to
MD_TAGS = frozenset(
    {"h2", "h3", "p", "ul", "li", "strong", "em", "a", "img", "hr", "blockquote", "br"}
)


class Tags(HTMLParser):
    """Every tag and attribute of a document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def assert_safe_html(html: str, allowed: frozenset[str] | set[str]) -> None:
    """Only `allowed` tags, no event handler, links only to safe addresses, images only the
    chart, and no attribute holding an address to run."""
    parser = Tags()
    parser.feed(html)
    for tag, attrs in parser.tags:
        assert tag in allowed, (tag, attrs)
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, value)
            if name == "href":
                assert safe_url(value) == value, value
            if name == "src":
                assert value == "chart.png", value
            # text inside a quoted attribute stays text (the email serializer writes `<` there
            # unescaped, as HTML allows); no attribute may hold an address to run
            assert not re.match(r"\s*(javascript|vbscript|data):", value or "", re.I), value


def rendered_markdown(md: str) -> str:
    """The HTML a CommonMark viewer makes of `md`, which must hold no raw HTML."""
    parser = MarkdownIt("commonmark")  # raw HTML allowed, as most renderers do
    tokens = parser.parse(md)
    for token in tokens:
        for child in [token, *(token.children or [])]:
            assert child.type not in ("html_inline", "html_block"), child.content
    return parser.render(md)


def assert_inert(html: str) -> None:
    """A page or published file runs nothing: no script, no event handler, no link that is not
    a web address or an app path, no image but the chart (data:image/png, or cid: in e-mail)."""
    parser = Tags()
    parser.feed(html)
    for tag, attrs in parser.tags:
        assert tag not in ("script", "svg", "object", "embed"), (tag, attrs)
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, value)
            if name == "href":
                assert value and (value.startswith("/") or safe_url(value) == value), value
            if name == "src":
                assert value and re.match(r"(data:image/png;base64,|cid:chart$|/editions/)", value)
            else:
                assert not re.match(r"\s*(javascript|vbscript|data):", value or "", re.I), value
