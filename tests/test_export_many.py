"""Tests of exporting many documents at once: one HTML page, one Markdown file of charts."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser

import pytest
from test_export import NASTY, SENTENCES, S, build_document, mined_document

from argmine.document import Document
from argmine.export import (
    HTML_END_MARK,
    document_anchor,
    html_document_section,
    html_page_end,
    html_page_start,
    mermaid_document_block,
    to_html,
    to_html_many,
    to_mermaid,
    to_mermaid_many,
)
from argmine.schema import Label, Role

HOSTILE_IDS = [
    'essay "1" <b>&amp;</b>',
    "</script><script>alert(1)</script>",
    "ünï 😀 #3 %%{init: {'theme':'dark'}}%% `x` *y* [z](u)\nnext line",
]
LONG = ("Track-II talks gather intelligence about how the other side reacts, " * 5).strip()


def many_documents() -> list[Document]:
    """Three documents with hostile ids; the second has a unit longer than 160 characters."""
    long_sentences = list(SENTENCES)
    long_sentences[2] = (LONG, Label.PREMISE, Role.PROPONENT, 0.88)
    return [
        mined_document(doc_id=HOSTILE_IDS[0]),
        build_document(long_sentences, [(2, 1, S), (3, 1, S)], doc_id=HOSTILE_IDS[1]),
        build_document(NASTY, [(1, 0, S)], doc_id=HOSTILE_IDS[2], root=0),
    ]


_VOID = {"meta", "br", "img", "input", "hr", "link", "wbr"}


class _Page(HTMLParser):
    """Record ids, sections, headings, links, scripts and nodes of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.sections: list[dict[str, str | None]] = []
        self.section_h2: list[str] = []
        self.links: list[tuple[str, str]] = []  # (href, text) inside the nav
        self.scripts = 0
        self.nodes: list[dict] = []  # per node: unit, #N text, section id, texts
        self.units: list[tuple[str, str]] = []  # (section id, element id) of sentences
        self.stack: list[tuple[str, list[str]]] = []
        self.section: str | None = None
        self.in_nav = False
        self.capture: list[str] | None = None
        self.node: dict | None = None
        self.node_part: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "script":
            self.scripts += 1
        if tag == "section" and "document" in classes:
            self.sections.append(a)
            self.section = a["id"]
        if tag == "h2" and self.section is not None and len(self.section_h2) < len(
            self.sections
        ):
            self.capture = []
        if tag == "nav":
            self.in_nav = True
        if tag == "a" and self.in_nav:
            self.links.append((a["href"], ""))
            self.capture = []
        if "u" in classes and tag == "span":
            self.units.append((self.section, a["id"]))
        if "node" in classes:
            self.node = {"unit": a["data-unit"], "section": self.section, "title": a["title"],
                         "num": "", "short": "", "full": None, "button": False,
                         "full_hidden": None}
            self.nodes.append(self.node)
        if self.node is not None:
            if "num" in classes:
                self.node_part = "num"
            elif "short" in classes:
                self.node_part = "short"
            elif "full" in classes:
                self.node["full"] = ""
                self.node["full_hidden"] = "hidden" in a
                self.node_part = "full"
            elif tag == "button" and "more" in classes:
                self.node["button"] = True
        if tag not in _VOID:
            self.stack.append((tag, classes))

    def handle_endtag(self, tag):
        tag_open, classes = self.stack.pop()
        assert tag_open == tag, (tag_open, tag)
        if tag == "h2" and self.capture is not None and not self.in_nav:
            self.section_h2.append("".join(self.capture))
            self.capture = None
        if tag == "a" and self.in_nav:
            href, _ = self.links[-1]
            self.links[-1] = (href, "".join(self.capture or []))
            self.capture = None
        if tag == "nav":
            self.in_nav = False
        if tag == "section" and "document" in classes:
            self.section = None
        if "node" in classes:
            self.node = None
        if tag == "span" and {"num", "short", "full"} & set(classes):
            self.node_part = None

    def handle_data(self, data):
        if self.capture is not None:
            self.capture.append(data)
        if self.node is not None and self.node_part is not None:
            self.node[self.node_part] += data


def parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    assert parser.stack == [("html", [])] or parser.stack == [], parser.stack
    return parser


# --- HTML: many documents -------------------------------------------------------------------


def test_html_many_has_a_section_and_heading_per_document():
    docs = many_documents()
    page = parse(to_html_many(docs, title="Essays"))
    assert [s["data-doc-id"] for s in page.sections] == HOSTILE_IDS
    assert [s["id"] for s in page.sections] == [document_anchor(i) for i in HOSTILE_IDS]
    assert page.section_h2 == [f"Document {i}" for i in HOSTILE_IDS]


def test_html_many_lists_every_document_and_links_its_section():
    page = parse(to_html_many(many_documents()))
    assert page.links == [(f"#{document_anchor(i)}", i) for i in HOSTILE_IDS]


def test_html_many_element_ids_are_unique_and_scoped_per_document():
    docs = many_documents()
    page = parse(to_html_many(docs))
    duplicates = [i for i, n in Counter(page.ids).items() if n > 1]
    assert duplicates == []
    assert all(i and not re.search(r"\s", i) for i in page.ids)
    # Every sentence's id starts with its own section's id; all three documents number
    # their units from 0, so without the prefix they would collide.
    assert len(page.units) == sum(len(d.units) for d in docs)
    for section, element in page.units:
        assert element.startswith(f"{section}-u")


def test_html_many_repeated_document_ids_get_distinct_sections():
    doc = mined_document()
    page = parse(to_html_many([doc, doc]))
    anchors = [s["id"] for s in page.sections]
    assert len(set(anchors)) == 2
    assert [href for href, _ in page.links] == [f"#{a}" for a in anchors]
    assert [i for i, n in Counter(page.ids).items() if n > 1] == []


def test_html_many_escapes_hostile_ids_and_texts():
    html = to_html_many(many_documents(), title='<T> "x" </script>')
    page = parse(html)
    assert page.scripts == 1  # only the page's own script; no id or text became one
    assert "<script>alert" not in html and "<b>bold" not in html and "<b>&amp;" not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<title>&lt;T&gt; &quot;x&quot; &lt;/script&gt; · argmine</title>" in html
    assert "ünï 😀" in html


def test_html_streaming_pieces_make_the_same_page():
    docs = many_documents()
    pieces = [html_page_start("Essays")]
    pieces += [html_document_section(doc) for doc in docs]
    pieces.append(html_page_end([doc.id for doc in docs]))
    assert "".join(pieces) == to_html_many(docs, title="Essays")


def test_html_sections_need_nothing_from_other_documents():
    docs = many_documents()
    # A section is the same whatever comes before or after it.
    alone = html_document_section(docs[1])
    assert alone in to_html_many(docs) and alone in to_html_many(docs[1:2])
    assert html_page_end().startswith(HTML_END_MARK)
    assert "<nav" not in html_page_end()  # the page script builds the list instead


def test_html_nodes_show_their_number_and_full_text():
    docs = many_documents()
    for page_text in (to_html(docs[1]), to_html_many(docs)):
        page = parse(page_text)
        for node in page.nodes:
            assert node["num"] == f"#{node['unit']}"
        long_nodes = [n for n in page.nodes if n["button"]]
        assert len(long_nodes) == 1
        node = long_nodes[0]
        assert node["full"] == LONG and node["full_hidden"] is True
        assert len(node["short"]) <= 160 and node["short"].endswith("…")
        # Nodes that were not cut have neither a hidden copy nor a button.
        assert all(n["full"] is None for n in page.nodes if not n["button"])


def test_html_single_page_is_unchanged_in_shape():
    page = to_html(mined_document())
    assert page.startswith("<!DOCTYPE html>") and page.endswith("</html>\n")
    parsed = parse(page)
    assert parsed.sections == [] and parsed.links == []
    assert [u for _, u in parsed.units] == [f"u{i}" for i in range(7)]


def test_document_anchor_is_injective_and_safe():
    ids = ["a b", "a.20.b", "a_b", "a-b", "a/b", "ü", ".fc.", "", " ", "a.dup2", "x\ny"]
    anchors = [document_anchor(i) for i in ids]
    assert len(set(anchors)) == len(ids)
    assert all(re.fullmatch(r"doc-[A-Za-z0-9_.-]*", a) for a in anchors)


# --- Mermaid: many documents ----------------------------------------------------------------


def _fences(markdown: str) -> list[tuple[str, list[str]]]:
    """Split Markdown into (heading, fenced mermaid lines) as a CommonMark reader would."""
    out, heading, block = [], None, None
    for line in markdown.splitlines():
        if block is None and line.startswith("## "):
            heading = line[3:]
        elif block is None and line == "```mermaid":
            block = []
        elif block is not None and re.fullmatch(r" {0,3}`{3,}\s*", line):
            out.append((heading, block))
            heading, block = None, None
        elif block is not None:
            block.append(line)
        else:
            assert line == "", line
    assert block is None, "an unclosed fence"
    return out


def test_mermaid_many_gives_each_document_a_heading_and_its_own_diagram():
    docs = many_documents()
    markdown = to_mermaid_many(docs)
    fences = _fences(markdown)
    assert len(fences) == 3
    for doc, (heading, lines) in zip(docs, fences):
        chart = to_mermaid(doc).splitlines()
        assert lines[0] == chart[0] == "flowchart TD"
        assert lines[1].startswith("  %% document: ")
        assert lines[2:] == chart[1:]  # the one-document chart, unchanged
        assert heading
    assert markdown == "".join(mermaid_document_block(doc) for doc in docs)


def test_mermaid_many_escapes_hostile_ids():
    heading_of = {doc.id: h for doc, (h, _) in zip(many_documents(), _fences(
        to_mermaid_many(many_documents())))}
    # Every ASCII punctuation mark is backslash-escaped: no HTML, emphasis, link or code.
    for heading in heading_of.values():
        assert not re.search(r"(?<!\\)[<>*`\[\]&]", heading), heading
    assert heading_of[HOSTILE_IDS[0]] == r"essay \"1\" \<b\>\&amp\;\<\/b\>"
    # A newline in an id cannot start a new Markdown line or chart line.
    assert "\nnext line" not in to_mermaid_many(many_documents())
    # "%%{" would be read as a Mermaid config directive even inside a comment.
    assert "%%{" not in to_mermaid_many(many_documents())


def test_mermaid_single_document_is_still_the_bare_chart():
    chart = to_mermaid(mined_document())
    assert chart.startswith("flowchart TD\n") and "```" not in chart and "## " not in chart


@pytest.mark.parametrize("doc_id", ["", "   "])
def test_mermaid_block_names_a_document_without_id(doc_id):
    block = mermaid_document_block(Document(doc_id, ""))
    assert block.startswith("## (no id)\n\n```mermaid\nflowchart TD\n")
