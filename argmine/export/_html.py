"""HTML export: one self-contained page showing the text beside its argument trees.

The page needs nothing from the network (inline CSS, a few lines of inline JS), so it can be
mailed, archived or opened offline. Left: the document text, each unit highlighted in its
label's colour. Right: the trees as nested ``<details>`` lists; hovering or clicking a node
highlights its sentence (and scrolls to it on click).
"""

from __future__ import annotations

from html import escape

from argmine.document import ArgumentTree, Document, Relation, Unit
from argmine.export._common import (
    PALETTE,
    VERBS,
    colours,
    label_name,
    links,
    score_text,
    shorten,
    units_in_trees,
)
from argmine.schema import LABELS, explain

_CSS = """
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
 color:#1a1a1a;background:#fafafa}
header{padding:12px 20px;background:#fff;border-bottom:1px solid #ddd}
h1{font-size:20px;margin:0 0 4px}
h2{font-size:16px;margin:0 0 8px}
.stats,.hint{margin:0;color:#555;font-size:13px}
.legend{list-style:none;margin:8px 0 0;padding:0;display:flex;flex-wrap:wrap;gap:6px 16px;
 font-size:13px}
.swatch{display:inline-block;width:14px;height:14px;border-radius:3px;vertical-align:-2px;
 margin-right:4px;border:1px solid rgba(0,0,0,.25)}
main{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:16px;padding:16px 20px}
section{background:#fff;border:1px solid #ddd;border-radius:6px;padding:12px 16px;
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
.chip{font-size:12px;font-weight:600;border-radius:3px;padding:0 4px}
.rel{font-size:12px;font-weight:600}
.rel.support{color:#2e7d32}
.rel.attack{color:#c62828}
.score{font-size:12px;color:#555}
.empty{color:#666;font-style:italic}
@media (max-width:800px){main{grid-template-columns:1fr}section{max-height:none}}
"""

_JS = """
(function () {
  var lit = [];
  function clear() { lit.forEach(function (e) { e.classList.remove("active"); }); lit = []; }
  function mark(unit, scroll) {
    clear();
    document.querySelectorAll('[data-unit="' + unit + '"]').forEach(function (e) {
      e.classList.add("active"); lit.push(e);
    });
    var sentence = document.getElementById("u" + unit);
    if (scroll && sentence) sentence.scrollIntoView({block: "center", behavior: "smooth"});
  }
  document.querySelectorAll(".node[data-unit], .u[data-unit]").forEach(function (e) {
    var unit = e.getAttribute("data-unit");
    e.addEventListener("mouseenter", function () { mark(unit, false); });
    e.addEventListener("mouseleave", clear);
  });
  document.querySelectorAll(".node[data-unit]").forEach(function (e) {
    var unit = e.getAttribute("data-unit");
    // Keep the click for "find the sentence": the summary's marker still folds the branch.
    e.addEventListener("click", function (ev) { ev.preventDefault(); mark(unit, true); });
    e.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); mark(unit, true); }
    });
  });
})();
"""


def _label_css() -> str:
    rules = []
    for label, paint in PALETTE.items():
        if label.value != "none":
            rules.append(f".lab-{label.value}{{background:{paint.fill}}}")
            rules.append(f".chip.lab-{label.value}{{border:1px solid {paint.stroke}}}")
    return "\n".join(rules)


def to_html(doc: Document, *, title: str | None = None, max_chars: int | None = 160) -> str:
    """Write one self-contained HTML page: highlighted text on the left, trees on the right.

    Every unit of the text becomes a ``<span class="u lab-LABEL" id="uINDEX">``; every tree
    node an element with class ``node`` and ``data-unit="INDEX"``. All text is escaped.

    Args:
        doc: The mined document.
        title: Page title; defaults to the document id.
        max_chars: Cut each tree node's sentence to this many characters (the full sentence
            is in the text column and in the node's tooltip).

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
    """
    heading = doc.id if title is None else title
    n_in = len(units_in_trees(doc))
    stats = (
        f"{len(doc.units)} units · {len(doc.trees)} "
        f"argument{'s' if len(doc.trees) != 1 else ''} · {n_in} units in arguments"
    )
    legend = "".join(
        f'<li title="{escape(explain(label))}"><span class="swatch" '
        f'style="background:{PALETTE[label].fill}"></span>{escape(label.value)}</li>'
        for label in LABELS
    )
    parents = links(doc)
    return "".join(
        [
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
            f"<title>{escape(heading)} · argmine</title>\n",
            f"<style>{_CSS}{_label_css()}\n</style>\n</head>\n<body>\n",
            f"<header>\n<h1>{escape(heading)}</h1>\n<p class=\"stats\">{escape(stats)}</p>\n",
            '<p class="hint">Hover or click a node to find its sentence; click ▸ to fold '
            "a branch.</p>\n",
            f'<ul class="legend" aria-label="Labels">{legend}</ul>\n</header>\n<main>\n',
            '<section class="text" aria-label="Document text">\n<h2>Text</h2>\n',
            f'<div class="doc">{_text_column(doc, parents)}</div>\n</section>\n',
            '<section class="trees" aria-label="Argument trees">\n<h2>Arguments</h2>\n',
            _trees_column(doc, max_chars),
            "</section>\n</main>\n",
            f"<script>{_JS}</script>\n</body>\n</html>\n",
        ]
    )


def _text_column(doc: Document, parents: dict[int, Relation]) -> str:
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
            f'<span class="u lab-{escape(name)}" id="u{unit.index}" data-unit="{unit.index}" '
            f'data-label="{escape(name)}" title="{escape(tip)}">'
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
    return (
        f'<span class="node" data-unit="{unit.index}" tabindex="0" '
        f'title="{escape(" ".join(unit.text.split()))}">'
        f'<span class="chip lab-{name}" style="background:{fill}">{name}</span>{relation} '
        f'<span class="score">{score_text(unit.score)}</span> '
        f"{escape(shorten(unit.text, max_chars))}</span>"
    )
