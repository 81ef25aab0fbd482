"""HTML export: self-contained pages showing each document's text beside its argument trees.

A page needs nothing from the network (inline CSS, a few lines of inline JS), so it can be
mailed, archived or opened offline. Per document: left, the text, each unit highlighted in
its label's colour; right, the trees as nested ``<details>`` lists, each node showing its
own ``#N``. Hovering or clicking a node highlights its sentence (and scrolls to it on click);
a node whose sentence was cut has a "more" button that shows the whole sentence.

:func:`to_html` writes a page for one document. :func:`to_html_many` writes one page for
many: a list of the documents, then each document in its own ``<section>`` whose element
ids and highlighting are scoped to it. A batch job that writes documents as they come
builds the same page from :func:`html_page_start`, one :func:`html_document_section` per
document and :func:`html_page_end`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from html import escape

from argmine.document import ArgumentTree, Document, Relation, Unit
from argmine.export._common import (
    PALETTE,
    VERBS,
    colours,
    label_name,
    links,
    one_line,
    score_text,
    shorten,
    units_in_trees,
)
from argmine.schema import LABELS, explain

_CSS = """
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
 color:#1a1a1a;background:#fafafa}
body>header{padding:12px 20px;background:#fff;border-bottom:1px solid #ddd}
h1{font-size:20px;margin:0 0 4px}
h2{font-size:16px;margin:0 0 8px}
h3{font-size:15px;margin:0 0 8px}
.stats,.hint{margin:0;color:#555;font-size:13px}
.legend{list-style:none;margin:8px 0 0;padding:0;display:flex;flex-wrap:wrap;gap:6px 16px;
 font-size:13px}
.swatch{display:inline-block;width:14px;height:14px;border-radius:3px;vertical-align:-2px;
 margin-right:4px;border:1px solid rgba(0,0,0,.25)}
.cols{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:16px;padding:16px 20px}
.col{background:#fff;border:1px solid #ddd;border-radius:6px;padding:12px 16px;
 overflow:auto;max-height:calc(100vh - 150px)}
.doc{white-space:pre-wrap;overflow-wrap:anywhere}
.u{border-radius:3px;padding:1px 0;transition:box-shadow .15s}
.u.active{box-shadow:0 0 0 2px #000}
.lab-none,.lab-unlabelled{background:transparent;color:#666}
ul.tree-list,.tree-list ul{list-style:none;margin:0;padding-left:18px;
 border-left:1px dotted #bbb}
ul.tree-list{padding-left:4px;border-left:0}
li{margin:3px 0}
details.tree{margin-bottom:12px}
summary{cursor:pointer}
.tree-title{font-weight:600}
.node{display:inline;cursor:pointer;border-radius:4px;padding:1px 4px;outline:none}
.node.active,.node:focus-visible{box-shadow:0 0 0 2px #000}
.num{font-size:12px;font-weight:700;color:#333}
.chip{font-size:12px;font-weight:600;border-radius:3px;padding:0 4px}
.rel{font-size:12px;font-weight:600}
.rel.support{color:#2e7d32}
.rel.attack{color:#c62828}
.score{font-size:12px;color:#555}
.more{font:inherit;font-size:12px;margin-left:4px;padding:0 6px;border:1px solid #bbb;
 border-radius:3px;background:#f4f4f4;cursor:pointer}
.empty{color:#666;font-style:italic}
body.many{display:flex;flex-direction:column}
body.many>header{order:-2}
nav.toc{order:-1;margin:16px 20px 0;padding:8px 16px;background:#fff;border:1px solid #ddd;
 border-radius:6px;max-height:35vh;overflow:auto}
nav.toc ol{margin:0;padding-left:28px;columns:18em;column-gap:24px}
nav.toc li{break-inside:avoid}
nav.toc a{overflow-wrap:anywhere}
section.document{margin:16px 20px 0;background:#fff;border:1px solid #ddd;border-radius:6px;
 scroll-margin-top:8px}
section.document>header{padding:12px 20px 0}
section.document>header h2{overflow-wrap:anywhere}
section.document .cols{padding:12px 20px 16px}
section.document .col{max-height:80vh}
@media (max-width:800px){.cols{grid-template-columns:1fr}.col{max-height:none}}
"""

# Every handler is registered on the document (capture phase for the non-bubbling
# mouseenter/mouseleave), not on the elements: the script sits in the page head, so it
# serves sections that a batch job appends after it, and a page cut short (a job still
# running, or killed) stays usable. Highlighting is confined to the hovered element's
# document (the nearest ".document", else the whole page) because unit numbers repeat
# from one document to the next.
_JS = """
(function () {
  var lit = [];
  var UNIT = ".node[data-unit], .u[data-unit]";
  function clear() { lit.forEach(function (e) { e.classList.remove("active"); }); lit = []; }
  function scope(e) { return e.closest(".document") || document; }
  function mark(e, scroll) {
    clear();
    var unit = e.getAttribute("data-unit"), root = scope(e);
    root.querySelectorAll('[data-unit="' + unit + '"]').forEach(function (x) {
      x.classList.add("active"); lit.push(x);
    });
    var sentence = root.querySelector('.u[data-unit="' + unit + '"]');
    if (scroll && sentence) sentence.scrollIntoView({block: "center", behavior: "smooth"});
  }
  function unitOf(ev) {
    var t = ev.target;
    return t && t.nodeType === 1 && t.matches(UNIT) ? t : null;
  }
  document.addEventListener("mouseenter", function (ev) {
    var e = unitOf(ev); if (e) mark(e, false);
  }, true);
  document.addEventListener("mouseleave", function (ev) { if (unitOf(ev)) clear(); }, true);
  function toggle(button) {
    var node = button.closest(".node"), open = button.getAttribute("aria-expanded") !== "true";
    node.querySelector(".short").hidden = open;
    node.querySelector(".full").hidden = !open;
    button.setAttribute("aria-expanded", open ? "true" : "false");
    button.textContent = open ? "less" : "more";
  }
  document.addEventListener("click", function (ev) {
    var t = ev.target;
    if (!t || t.nodeType !== 1) return;
    var more = t.closest(".more");
    // The button lives inside the node (and maybe a <summary>): it only shows the text.
    if (more) { ev.preventDefault(); toggle(more); return; }
    var node = t.closest(".node[data-unit]");
    // Keep the click for "find the sentence": the summary's marker still folds the branch.
    if (node) { ev.preventDefault(); mark(node, true); }
  });
  document.addEventListener("keydown", function (ev) {
    var t = ev.target;
    if (t && t.nodeType === 1 && t.matches(".node[data-unit]")
        && (ev.key === "Enter" || ev.key === " ")) { ev.preventDefault(); mark(t, true); }
  });
  // A page written without its list of documents (a batch job still running, or one cut
  // short) gets the list built from the sections it has.
  document.addEventListener("DOMContentLoaded", function () {
    if (!document.body.classList.contains("many") || document.querySelector("nav.toc")) return;
    var sections = document.querySelectorAll("section.document[id]");
    var nav = document.createElement("nav"), h = document.createElement("h2");
    var list = document.createElement("ol");
    nav.className = "toc"; nav.setAttribute("aria-label", "Documents");
    h.textContent = "Documents (" + sections.length + ")";
    sections.forEach(function (s) {
      var li = document.createElement("li"), a = document.createElement("a");
      a.href = "#" + s.id; a.textContent = s.getAttribute("data-doc-id");
      li.appendChild(a); list.appendChild(li);
    });
    nav.appendChild(h); nav.appendChild(list); document.body.appendChild(nav);
  });
})();
"""

HTML_END_MARK = "<!-- argmine: end of documents -->\n"
"""The first line of :func:`html_page_end`: a job resuming a page cuts the file back to it."""

_SAFE_ID = re.compile(r"[A-Za-z0-9_-]")


def _label_css() -> str:
    rules = []
    for label, paint in PALETTE.items():
        if label.value != "none":
            rules.append(f".lab-{label.value}{{background:{paint.fill}}}")
            rules.append(f".chip.lab-{label.value}{{border:1px solid {paint.stroke}}}")
    return "\n".join(rules)


def _head(title: str, body_class: str | None = None) -> str:
    opening = "<body>" if body_class is None else f'<body class="{body_class}">'
    return "".join(
        [
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
            f"<title>{escape(title)}</title>\n",
            f"<style>{_CSS}{_label_css()}\n</style>\n",
            f"<script>{_JS}</script>\n</head>\n{opening}\n",
        ]
    )


def _legend() -> str:
    items = "".join(
        f'<li title="{escape(explain(label))}"><span class="swatch" '
        f'style="background:{PALETTE[label].fill}"></span>{escape(label.value)}</li>'
        for label in LABELS
    )
    return f'<ul class="legend" aria-label="Labels">{items}</ul>\n'


_HINT = (
    '<p class="hint">Hover or click a node to find its sentence; click ▸ to fold a branch; '
    "click “more” to read a cut sentence in full.</p>\n"
)


def _stats(doc: Document) -> str:
    n_in = len(units_in_trees(doc))
    trees = len(doc.trees)
    return (
        f"{len(doc.units)} units · {trees} argument{'s' if trees != 1 else ''} · "
        f"{n_in} units in arguments"
    )


def to_html(doc: Document, *, title: str | None = None, max_chars: int | None = 160) -> str:
    """Write one self-contained HTML page: highlighted text on the left, trees on the right.

    Every unit of the text becomes a ``<span class="u lab-LABEL" id="uINDEX">``; every tree
    node an element with class ``node`` and ``data-unit="INDEX"`` that starts with its own
    ``#INDEX``. All text is escaped. For several documents use :func:`to_html_many`.

    Args:
        doc: The mined document.
        title: Page title; defaults to the document id.
        max_chars: Cut each tree node's sentence to this many characters (``None`` keeps it
            whole); a cut node has a "more" button that shows the whole sentence, which is
            also in the text column and in the node's tooltip.

    Returns:
        The HTML page.

    Examples:
        >>> from argmine import ArgumentTree, Document, Label, Relation, RelationKind, Unit
        >>> claim = Unit(0, "Talk <now>.", 0, 11, label=Label.CLAIM, score=0.9)
        >>> why = Unit(1, "It helps.", 12, 21, label=Label.PREMISE, score=0.8)
        >>> link = Relation(1, 0, RelationKind.SUPPORT)
        >>> tree = ArgumentTree(claim, (claim, why), (link,))
        >>> page = to_html(Document("d", "Talk <now>. It helps.", (claim, why), (link,), (tree,)))
        >>> page.count('class="u '), page.count('class="node"'), "Talk &lt;now&gt;." in page
        (2, 2, True)
        >>> '<span class="num">#1</span>' in page
        True
    """
    heading = doc.id if title is None else title
    parents = links(doc)
    return "".join(
        [
            _head(f"{heading} · argmine"),
            f"<header>\n<h1>{escape(heading)}</h1>\n<p class=\"stats\">"
            f"{escape(_stats(doc))}</p>\n",
            _HINT,
            _legend(),
            '</header>\n<main class="cols">\n',
            _columns(doc, parents, "", max_chars, level=2),
            "</main>\n</body>\n</html>\n",
        ]
    )


def document_anchor(doc_id: str) -> str:
    """Return the element id of a document's section in a many-document page.

    Letters, digits, ``-`` and ``_`` stay; every other character becomes ``.HEX.`` (its
    code point), so any id maps to a valid, whitespace-free HTML id and URL fragment, and
    different ids never share one.

    Examples:
        >>> document_anchor("essay 1"), document_anchor("a.b/ü")
        ('doc-essay.20.1', 'doc-a.2e.b.2f..fc.')
    """
    return "doc-" + "".join(
        ch if _SAFE_ID.fullmatch(ch) else f".{ord(ch):x}." for ch in doc_id
    )


def _anchors(doc_ids: Iterable[str]) -> list[str]:
    # A repeated id gets ".dupN": "." only starts ".HEX." escapes and "u", "p" are not hex,
    # so the suffix can never equal another id's anchor.
    seen: Counter[str] = Counter()
    out = []
    for doc_id in doc_ids:
        seen[doc_id] += 1
        anchor = document_anchor(doc_id)
        out.append(anchor if seen[doc_id] == 1 else f"{anchor}.dup{seen[doc_id]}")
    return out


def html_page_start(title: str = "argmine documents") -> str:
    r"""Open a many-document page: everything before the first document's section.

    With :func:`html_document_section` and :func:`html_page_end` a job writes one page
    document by document, never holding more than one in memory; the highlighting script
    sits here, so a page still being written already works.

    Args:
        title: The page's title and top heading.

    Returns:
        The page head, the page header (title, hint, label legend) and ``<main>`` opened.

    Examples:
        >>> html_page_start("Essays").endswith("<main>\n")
        True
    """
    return "".join(
        [
            _head(f"{title} · argmine", "many"),
            f"<header>\n<h1>{escape(title)}</h1>\n",
            _HINT,
            _legend(),
            "</header>\n<main>\n",
        ]
    )


def html_document_section(
    doc: Document, *, anchor: str | None = None, max_chars: int | None = 160
) -> str:
    """Write one document's ``<section>`` of a many-document page.

    The section needs nothing from other documents: its id is ``anchor`` (by default
    :func:`document_anchor` of the document id) and every element id inside starts with
    it, so documents whose units share numbers never share an id.

    Args:
        doc: The mined document.
        anchor: The section's element id; give it only when document ids repeat (as
            :func:`to_html_many` does) and use the same in the link to it.
        max_chars: As in :func:`to_html`.

    Returns:
        ``<section class="document" id=ANCHOR data-doc-id=ID>`` with a heading naming the
        document, its statistics, its text and its trees.

    Examples:
        >>> html_document_section(Document("a b", "")).splitlines()[0]
        '<section class="document" id="doc-a.20.b" data-doc-id="a b" aria-label="a b">'
    """
    anchor = document_anchor(doc.id) if anchor is None else anchor
    name = escape(doc.id)
    return "".join(
        [
            f'<section class="document" id="{escape(anchor)}" data-doc-id="{name}" '
            f'aria-label="{name}">\n',
            f'<header>\n<h2><span class="hint">Document</span> {name}</h2>\n',
            f'<p class="stats">{escape(_stats(doc))}</p>\n</header>\n<div class="cols">\n',
            _columns(doc, links(doc), f"{anchor}-", max_chars, level=3),
            "</div>\n</section>\n",
        ]
    )


def html_page_end(doc_ids: Iterable[str] | None = None) -> str:
    """Close a many-document page, with the list of its documents.

    The list comes last so that nothing before it waits for it; CSS shows it under the
    page header. Without ``doc_ids`` the page script builds it from the sections present.

    Args:
        doc_ids: The ids of the documents written, in order (a repeated id links to its
            ``.dupN`` section as :func:`to_html_many` names it).

    Returns:
        The end of ``<main>``, the ``<nav class="toc">`` list, and the end of the page; it
        starts with :data:`HTML_END_MARK`.

    Examples:
        >>> 'href="#doc-x"' in html_page_end(["x"])
        True
    """
    parts = [HTML_END_MARK, "</main>\n"]
    if doc_ids is not None:
        ids = list(doc_ids)
        items = "".join(
            f'<li><a href="#{escape(anchor)}">{escape(doc_id)}</a></li>\n'
            for doc_id, anchor in zip(ids, _anchors(ids))
        )
        parts.append(
            f'<nav class="toc" aria-label="Documents">\n<h2>Documents ({len(ids)})</h2>\n'
            f"<ol>\n{items}</ol>\n</nav>\n"
        )
    parts.append("</body>\n</html>\n")
    return "".join(parts)


def to_html_many(
    docs: Iterable[Document], *, title: str = "argmine documents", max_chars: int | None = 160
) -> str:
    """Write one self-contained HTML page for many documents.

    The page lists the documents (each links to its section) and shows each in its own
    ``<section>`` headed by its id; element ids and hover highlighting stay within a
    section. It equals ``html_page_start(title)``, then :func:`html_document_section` for
    each document (repeated ids get distinct anchors) and ``html_page_end(ids)``.

    Args:
        docs: The mined documents, in the order to show them.
        title: The page's title and top heading.
        max_chars: As in :func:`to_html`.

    Returns:
        The HTML page.

    Examples:
        >>> page = to_html_many([Document("a", "One."), Document("b", "Two.")])
        >>> page.count('<section class="document"'), page.count('<a href="#doc-')
        (2, 2)
    """
    docs = list(docs)
    ids = [doc.id for doc in docs]
    return "".join(
        [
            html_page_start(title),
            *(
                html_document_section(doc, anchor=anchor, max_chars=max_chars)
                for doc, anchor in zip(docs, _anchors(ids))
            ),
            html_page_end(ids),
        ]
    )


def _columns(
    doc: Document, parents: dict[int, Relation], prefix: str, max_chars: int | None, level: int
) -> str:
    return "".join(
        [
            f'<section class="col text" aria-label="Document text">\n<h{level}>Text</h{level}>\n',
            f'<div class="doc">{_text_column(doc, parents, prefix)}</div>\n</section>\n',
            f'<section class="col trees" aria-label="Argument trees">\n'
            f"<h{level}>Arguments</h{level}>\n",
            _trees_column(doc, max_chars),
            "</section>\n",
        ]
    )


def _text_column(doc: Document, parents: dict[int, Relation], prefix: str) -> str:
    parts: list[str] = []
    cursor = 0
    for unit in sorted(doc.units, key=lambda u: (u.start, u.end)):
        # Overlapping or out-of-range spans cannot be nested in flat text; skip them
        # rather than print text twice.
        if unit.start < cursor or unit.end > len(doc.text):
            continue
        parts.append(escape(doc.text[cursor : unit.start]))
        name = label_name(unit)
        tip = f"#{unit.index} {name} ({score_text(unit.score)})"
        rel = parents.get(unit.index)
        if rel is not None:
            tip += f", {VERBS[rel.kind]} #{rel.target}"
        parts.append(
            f'<span class="u lab-{escape(name)}" id="{escape(prefix)}u{unit.index}" '
            f'data-unit="{unit.index}" data-label="{escape(name)}" title="{escape(tip)}">'
            f"{escape(doc.text[unit.start : unit.end])}</span>"
        )
        cursor = unit.end
    parts.append(escape(doc.text[cursor:]))
    return "".join(parts)


def _trees_column(doc: Document, max_chars: int | None) -> str:
    if not doc.trees:
        return '<p class="empty">No arguments found.</p>\n'
    out: list[str] = []
    for number, tree in enumerate(doc.trees, start=1):
        out.append(
            f'<details class="tree" open>\n<summary class="tree-title">Argument {number}: '
            f"{escape(tree.summary())}</summary>\n{_tree_list(tree, max_chars)}</details>\n"
        )
    return "".join(out)


def _tree_list(tree: ArgumentTree, max_chars: int | None) -> str:
    # Built from walk() with an explicit stack instead of recursion, so that a pathological
    # chain of hundreds of units cannot hit Python's recursion limit.
    out = ['<ul class="tree-list">\n']
    open_depths: list[int] = []
    for unit, depth, rel in tree.walk():
        while open_depths and open_depths[-1] >= depth:
            open_depths.pop()
            out.append("</ul></details></li>\n")
        node = _node(unit, rel, max_chars)
        if tree.children(unit):
            out.append(f"<li><details open><summary>{node}</summary><ul>\n")
            open_depths.append(depth)
        else:
            out.append(f"<li>{node}</li>\n")
    out.extend("</ul></details></li>\n" for _ in open_depths)
    out.append("</ul>\n")
    return "".join(out)


def _node(unit: Unit, rel: Relation | None, max_chars: int | None) -> str:
    name = escape(label_name(unit))
    relation = ""
    if rel is not None:
        kind = rel.kind.value
        relation = f' <span class="rel {kind}">{VERBS[rel.kind]} #{rel.target}</span>'
    fill = colours(unit.label).fill
    full = one_line(unit.text)
    short = shorten(unit.text, max_chars)
    if short == full:
        text = f'<span class="short">{escape(full)}</span>'
    else:
        # Both versions are in the page; the button swaps them (see _JS), and without
        # script the tooltip and the text column still hold the whole sentence.
        text = (
            f'<span class="short">{escape(short)}</span>'
            f'<span class="full" hidden>{escape(full)}</span>'
            '<button type="button" class="more" aria-expanded="false">more</button>'
        )
    return (
        f'<span class="node" data-unit="{unit.index}" tabindex="0" title="{escape(full)}">'
        f'<span class="num">#{unit.index}</span> '
        f'<span class="chip lab-{name}" style="background:{fill}">{name}</span>{relation} '
        f'<span class="score">{score_text(unit.score)}</span> {text}</span>'
    )
