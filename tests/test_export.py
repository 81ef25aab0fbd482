"""Tests of argmine.export: every format on one hand-made mined document."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import replace
from html.parser import HTMLParser

import pytest

from argmine.document import ArgumentTree, Document, Relation, Unit
from argmine.errors import InputError
from argmine.export import (
    EXPORTERS,
    export,
    from_json,
    to_aif,
    to_dot,
    to_html,
    to_json,
    to_mermaid,
    to_text,
)
from argmine.schema import LABELS, Label, RelationKind, Role

S, A = RelationKind.SUPPORT, RelationKind.ATTACK

# (text, label, role, score): a none unit first, then one argument in the style of the seed.
SENTENCES = [
    ("NBC News reported that former officials held talks with “prominent Russians.”",
     Label.NONE, None, 0.81),
    ("Talks with Russia are needed now.", Label.CLAIM, Role.PROPONENT, 0.93),
    ("Track-II talks gather intelligence about how the other side reacts.",
     Label.PREMISE, Role.PROPONENT, 0.88),
    ("They explore pathways to real negotiations and a lasting solution.",
     Label.PREMISE, Role.PROPONENT, 0.77),
    ("Critics say a cease-fire would reward Russia's illegal occupation.",
     Label.COUNTERARGUMENT, Role.OPPONENT, 0.71),
    ("But negotiations are not the beginning of a cease-fire.",
     Label.REBUTTAL, Role.PROPONENT, 0.84),
    ("A back-channel lets both sides test ideas in a risk-free setting.",
     Label.PREMISE, Role.PROPONENT, 0.66),
]
LINKS = [(2, 1, S), (3, 1, S), (4, 1, A), (5, 4, A), (6, 1, S)]
ROOT = 1


def build_document(
    sentences: Sequence[tuple[str, Label | None, Role | None, float | None]],
    links: Sequence[tuple[int, int, RelationKind]],
    *,
    doc_id: str = "track-ii",
    root: int = ROOT,
    with_scores: bool = True,
) -> Document:
    """A mined Document: units joined by spaces (a paragraph break after unit 0), one tree."""
    units, pieces, offset = [], [], 0
    for i, (text, label, role, score) in enumerate(sentences):
        if i:
            sep = "\n\n" if i == 1 else " "
            pieces.append(sep)
            offset += len(sep)
        scores = None
        if with_scores and label is not None:
            rest = (1.0 - score) / 4
            scores = {lab.value: (score if lab is label else rest) for lab in LABELS}
        units.append(Unit(i, text, offset, offset + len(text), label=label, score=score,
                          role=role, scores=scores))
        pieces.append(text)
        offset += len(text)
    relations = tuple(Relation(s, t, k, score=0.5) for s, t, k in links)
    in_tree = {root} | {s for s, _, _ in links} | {t for _, t, _ in links}
    tree = ArgumentTree(units[root], tuple(u for u in units if u.index in in_tree), relations)
    return Document(doc_id, "".join(pieces), tuple(units), relations, (tree,)).validate()


def mined_document(**kwargs) -> Document:
    """The shared test document: claim, 3 premises, a counterargument, its rebuttal, a none."""
    return build_document(SENTENCES, LINKS, **kwargs)


NASTY = [
    ('He said "no" [really] {x} <b>bold</b> & a\\backslash', Label.CLAIM, Role.PROPONENT, 0.9),
    ("Line one\nline two — ünïcödé 😀 #hash |pipe| `tick` ; end", Label.PREMISE,
     Role.PROPONENT, 0.8),
    ("<script>alert('x')</script> \"quoted\" --> -.->", Label.COUNTERARGUMENT,
     Role.OPPONENT, 0.7),
]


@pytest.fixture
def doc() -> Document:
    return mined_document()


@pytest.fixture
def nasty() -> Document:
    return build_document(NASTY, [(1, 0, S), (2, 0, A)], doc_id='odd "id" <x>', root=0)


# --- registry -------------------------------------------------------------------------------


def test_export_registry_names_every_format(doc):
    assert set(EXPORTERS) == {"text", "json", "aif", "dot", "mermaid", "html"}
    for name, exporter in EXPORTERS.items():
        out = exporter(doc)
        assert isinstance(out, str) and out, name
        assert export(doc, name) == out


def test_export_unknown_format_is_input_error(doc):
    with pytest.raises(InputError) as info:
        export(doc, "pdf")
    assert info.value.code == "E008"


# --- text -----------------------------------------------------------------------------------


def _node_lines(text: str) -> list[tuple[int, int, str]]:
    """(indent, unit index, line) for every node line of the outline."""
    out = []
    for line in text.splitlines():
        match = re.match(r"^( *)#(\d+) ", line)
        if match:
            out.append((len(match.group(1)), int(match.group(2)), line))
    return out


def test_export_text_indents_tree_in_walk_order(doc):
    text = to_text(doc)
    lines = text.splitlines()
    assert lines[0] == f"Argument 1 of 1: {doc.trees[0].summary()}"
    nodes = _node_lines(text)
    assert [(indent, index) for indent, index, _ in nodes] == [
        (2, 1), (4, 2), (4, 3), (4, 4), (6, 5), (4, 6)
    ]
    by_index = {index: line for _, index, line in nodes}
    assert by_index[1].strip().startswith("#1 claim (0.93): Talks with Russia")
    assert "#2 premise, supports #1 (0.88)" in by_index[2]
    assert "#4 counterargument, attacks #1 (0.71)" in by_index[4]
    assert "#5 rebuttal, attacks #4 (0.84)" in by_index[5]
    assert "NBC News" not in text and "Not in any argument" not in text


def test_export_text_lists_units_outside_trees_when_asked(doc):
    text = to_text(doc, show_none=True)
    head, _, tail = text.partition("Not in any argument:\n")
    assert "NBC News" not in head
    assert tail.startswith("  #0 none (0.81): NBC News reported")


def test_export_text_wraps_and_truncates_long_sentences(doc):
    long = replace(doc.units[2], text="word " * 200)
    link = Relation(2, 1, S)
    doc = doc.replace(trees=(ArgumentTree(doc.units[1], (doc.units[1], long), (link,)),))
    text = to_text(doc, width=60, max_chars=120)
    assert all(len(line) <= 60 for line in text.splitlines())
    assert "…" in text
    header = text.split("\n  #1 ")[0]
    expected = "Argument 1 of 1: Talks with Russia are needed now. — 1 premise"
    assert " ".join(header.split()) == expected
    assert text.count("word") < 30
    # Continuation lines sit deeper than the node line they belong to.
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.lstrip().startswith("#2 "))
    assert lines[first + 1].startswith(" " * 6) and not lines[first + 1].lstrip().startswith("#")


def test_export_text_without_trees_says_so():
    assert to_text(Document("empty", "")) == "No arguments found in document 'empty'.\n"


# --- JSON -----------------------------------------------------------------------------------

UNIT_KEYS = {"index", "text", "start", "end", "label", "role", "parent", "relation", "score"}


def test_export_json_has_exact_schema(doc):
    data = json.loads(to_json(doc))
    assert set(data) == {"doc", "units", "trees"}
    assert data["doc"] == "track-ii"
    assert len(data["units"]) == 7
    for record in data["units"]:
        assert set(record) == UNIT_KEYS
    parents = {r["index"]: (r["parent"], r["relation"]) for r in data["units"]}
    assert parents == {0: (None, None), 1: (None, None), 2: (1, "support"), 3: (1, "support"),
                       4: (1, "attack"), 5: (4, "attack"), 6: (1, "support")}
    assert data["units"][4]["role"] == "opponent" and data["units"][4]["label"] == "counterargument"
    assert data["units"][0]["label"] == "none" and data["units"][0]["role"] is None
    assert data["trees"] == [
        {"root": 1, "summary": doc.trees[0].summary(), "units": [1, 2, 3, 4, 5, 6]}
    ]
    # Offsets point into the original text.
    for record in data["units"]:
        assert doc.text[record["start"] : record["end"]] == record["text"]


def test_export_json_round_trip_rebuilds_trees(doc):
    plain = mined_document(with_scores=False)
    # The export keeps unit label scores but not relation scores: compare without them.
    plain = plain.replace(
        relations=tuple(replace(r, score=None) for r in plain.relations),
        trees=tuple(replace(t, edges=tuple(replace(e, score=None) for e in t.edges))
                    for t in plain.trees),
    )
    for data in (to_json(plain), json.loads(to_json(plain)), to_json(plain).encode()):
        rebuilt = from_json(data)
        assert rebuilt.id == plain.id
        assert rebuilt.units == plain.units
        assert set(rebuilt.relations) == set(plain.relations)
        (tree,) = rebuilt.trees
        assert tree.root == plain.trees[0].root
        assert tree.nodes == plain.trees[0].nodes
        assert set(tree.edges) == set(plain.trees[0].edges)
        assert [(u.index, d) for u, d, _ in tree.walk()] == [
            (u.index, d) for u, d, _ in plain.trees[0].walk()
        ]
        for unit in rebuilt.units:
            assert rebuilt.text[unit.start : unit.end] == unit.text
    # Exporting the rebuilt document gives the same JSON again.
    assert to_json(from_json(to_json(doc))) == to_json(doc)


@pytest.mark.parametrize(
    "bad",
    [
        "{not json",
        "[]",
        '{"doc": "d"}',
        '{"doc": "d", "units": [{"index": 0}]}',
        '{"doc": "d", "units": [{"index": 1, "text": "A", "start": 0, "end": 1}]}',
        '{"doc": "d", "units": [{"index": 0, "text": "A", "start": 0, "end": 1, "label": "x"}]}',
        '{"doc": "d", "units": [{"index": 0, "text": "A", "start": 0, "end": 1}], '
        '"trees": [{"root": 5, "units": [0]}]}',
        '{"doc": "d", "units": [{"index": 0, "text": "AB", "start": 0, "end": 2}, '
        '{"index": 1, "text": "B", "start": 1, "end": 2}]}',
    ],
)
def test_export_from_json_rejects_bad_input_with_e011_or_e001(bad):
    with pytest.raises(InputError) as info:
        from_json(bad)
    assert info.value.code in {"E011", "E001"}


# --- AIF ------------------------------------------------------------------------------------


def test_export_aif_nodes_edges_and_schemes(doc):
    data = json.loads(to_aif(doc))
    aif = data["AIF"]
    assert {"nodes", "edges", "locutions", "participants"} <= set(aif)
    assert data["text"] == doc.text
    types = [n["type"] for n in aif["nodes"]]
    assert types.count("I") == 6 and types.count("RA") == 3 and types.count("CA") == 2
    assert len(aif["edges"]) == 10
    nodes = {n["nodeID"]: n for n in aif["nodes"]}
    assert len(nodes) == len(aif["nodes"])
    assert len({e["edgeID"] for e in aif["edges"]}) == 10
    assert {n["text"] for n in aif["nodes"] if n["type"] == "RA"} == {"Default Inference"}
    assert {n["text"] for n in aif["nodes"] if n["type"] == "CA"} == {"Default Conflict"}
    # Every scheme node has exactly one premise in and one conclusion out, both I-nodes;
    # together they reproduce the document's links.
    found = set()
    for node_id, node in nodes.items():
        if node["type"] == "I":
            continue
        ins = [e["fromID"] for e in aif["edges"] if e["toID"] == node_id]
        outs = [e["toID"] for e in aif["edges"] if e["fromID"] == node_id]
        assert len(ins) == 1 and len(outs) == 1
        assert nodes[ins[0]]["type"] == nodes[outs[0]]["type"] == "I"
        kind = "support" if node["type"] == "RA" else "attack"
        found.add((int(ins[0]), int(outs[0]), kind))
    assert found == {(s, t, k.value) for s, t, k in LINKS}
    assert nodes["1"]["text"] == doc.units[1].text


def test_export_aif_include_none_adds_unconnected_i_nodes(doc):
    aif = json.loads(to_aif(doc, include_none=True))["AIF"]
    assert [n["type"] for n in aif["nodes"]].count("I") == 7
    assert len(aif["edges"]) == 10


def test_export_aif_loads_in_arguebuf(doc, tmp_path):
    arguebuf = pytest.importorskip(
        "arguebuf", reason="arguebuf is not installed (pip install arguebuf) to check AIF"
    )
    from arguebuf.model.scheme import Attack, Support

    data = json.loads(to_aif(doc))
    plain_file = tmp_path / "graph.json"
    plain_file.write_text(json.dumps(data["AIF"]), encoding="utf-8")
    graphs = {
        "xaif": arguebuf.load.xaif(data),
        "aif": arguebuf.load.aif(data["AIF"]),
        # load.file dispatches on content: plain AIF (top-level "locutions") is read as AIF.
        "file": arguebuf.load.file(plain_file),
    }
    for name, graph in graphs.items():
        assert len(graph.atom_nodes) == 6, name
        assert len(graph.scheme_nodes) == 5, name
        assert len(graph.edges) == 10, name
        schemes = [type(n.scheme) for n in graph.scheme_nodes.values()]
        assert schemes.count(Support) == 3 and schemes.count(Attack) == 2, name
        assert graph.root_node is not None and graph.root_node.plain_text == doc.units[1].text
        premise_ids = {n.id for n in graph.incoming_atom_nodes(graph.root_node)}
        assert premise_ids == {"2", "3", "4", "6"}, name


def test_export_aif_keeps_nasty_text_verbatim(nasty):
    texts = [n["text"] for n in json.loads(to_aif(nasty))["AIF"]["nodes"] if n["type"] == "I"]
    assert texts == [u.text for u in nasty.units]


# --- DOT ------------------------------------------------------------------------------------


def _dot_edges(dot: str) -> list[str]:
    return [line.strip() for line in dot.splitlines() if re.match(r"^\s*u\d+ -> u\d+ ", line)]


def test_export_dot_edges_and_styles(doc):
    dot = to_dot(doc)
    assert dot.startswith('digraph "track-ii" {') and dot.rstrip().endswith("}")
    edges = _dot_edges(dot)
    assert len(edges) == 5
    support = [e for e in edges if 'label="support"' in e]
    attack = [e for e in edges if 'label="attack"' in e]
    assert len(support) == 3 and len(attack) == 2
    assert all("style=dashed" in e and "#c62828" in e for e in attack)
    assert not any("dashed" in e for e in support)
    assert {e.split(" [")[0] for e in attack} == {"u4 -> u1", "u5 -> u4"}
    # One node statement per drawn unit, filled with its label's colour; the none unit is out.
    assert re.search(r'^\s*u1 \[label=.*fillcolor="#ffd54f"', dot, re.M)
    assert re.search(r'^\s*u4 \[label=.*fillcolor="#ef9a9a"', dot, re.M)
    assert not re.search(r"^\s*u0 \[", dot, re.M)
    assert re.search(r"^\s*u0 \[", to_dot(doc, include_none=True), re.M)
    assert dot.count("subgraph cluster_") == 1


def test_export_dot_escapes_nasty_text(nasty):
    dot = to_dot(nasty, wrap=1000)
    assert dot.startswith('digraph "odd \\"id\\" <x>" {')
    assert 'He said \\"no\\" [really] {x} <b>bold</b> & a\\\\backslash' in dot
    # Raw newlines from the text never reach the DOT source inside a quoted string.
    for line in dot.splitlines():
        assert line.count('"') % 2 == 0 or '\\"' in line
    assert "Line one line two — ünïcödé 😀" in dot  # whitespace runs collapse


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' is not installed")
def test_export_dot_parses_in_graphviz(nasty):
    result = subprocess.run(
        ["dot", "-Tjson"], input=to_dot(nasty, wrap=1000), capture_output=True, text=True,
        timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    graph = json.loads(result.stdout)
    assert len(graph["edges"]) == 2
    labels = [o.get("label", "") for o in graph["objects"] if o["name"].startswith("u")]
    assert any('He said "no" [really] {x} <b>bold</b> & a\\\\backslash' in lab for lab in labels)


# --- Mermaid --------------------------------------------------------------------------------


def test_export_mermaid_edges_and_styles(doc):
    chart = to_mermaid(doc)
    lines = [line.strip() for line in chart.splitlines()]
    assert lines[0] == "flowchart TD"
    edges = [line for line in lines if re.match(r"^u\d+ -", line)]
    assert edges == ["u2 -->|support| u1", "u3 -->|support| u1", "u4 -.->|attack| u1",
                     "u5 -.->|attack| u4", "u6 -->|support| u1"]
    # linkStyle counts edges in order: attacks are edges 2 and 3.
    assert "linkStyle 2,3 stroke:#c62828,stroke-width:2px,stroke-dasharray:5 5" in lines
    assert "linkStyle 0,1,4 stroke:#2e7d32,stroke-width:2px" in lines
    assert "class u2,u3,u6 premiseUnit" in lines
    assert "class u1 claimUnit" in lines
    assert any(line.startswith("classDef counterargumentUnit fill:#ef9a9a") for line in lines)
    assert f"%% Argument 1: {doc.trees[0].summary()}" in lines
    assert not any(line.startswith(("subgraph", "end")) for line in lines)
    assert "u0[" not in chart and "u0[" in to_mermaid(doc, include_none=True)


def test_export_mermaid_escapes_nasty_text(nasty):
    chart = to_mermaid(nasty, wrap=1000)
    node_lines = [line.strip() for line in chart.splitlines() if re.match(r"^\s*u\d+\[", line)]
    assert len(node_lines) == 3
    for line in node_lines:
        # The whole label is one quoted string: no quote, bracket, pipe or raw markup inside.
        match = re.fullmatch(r'u\d+\["([^"\[\]|`]*)"\]', line)
        assert match, line
        assert "<" not in match.group(1).replace("<br>", "")
    assert "He said #34;no#34; #91;really#93; #123;x#125; #60;b#62;bold" in chart
    assert "ünïcödé 😀 #35;hash #124;pipe#124; #96;tick#96;" in chart
    edges = [line.strip() for line in chart.splitlines() if re.match(r"^\s*u\d+ -", line)]
    assert edges == ["u1 -->|support| u0", "u2 -.->|attack| u0"]


# --- HTML -----------------------------------------------------------------------------------


class _Outline(HTMLParser):
    """Collect sentence spans and tree nodes (with their <details> nesting depth)."""

    def __init__(self) -> None:
        super().__init__()
        self.spans: list[dict[str, str | None]] = []
        self.nodes: list[tuple[int, int]] = []  # (unit, details depth)
        self.depth = 0
        self.external: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "details":
            self.depth += 1
        if tag == "script":
            self.scripts += 1
        if a.get("src") or (a.get("href") or "").startswith(("http", "//")):
            self.external.append(tag)
        classes = (a.get("class") or "").split()
        if tag == "span" and "u" in classes:
            self.spans.append(a)
        if "node" in classes:
            self.nodes.append((int(a["data-unit"]), self.depth))

    def handle_endtag(self, tag):
        if tag == "details":
            self.depth -= 1


def test_export_html_structure(doc):
    page = to_html(doc)
    parser = _Outline()
    parser.feed(page)
    assert page.startswith("<!DOCTYPE html>")
    assert [s["data-unit"] for s in parser.spans] == [str(i) for i in range(7)]
    assert [s["data-label"] for s in parser.spans] == [u.label.value for u in doc.units]
    assert parser.spans[1]["class"] == "u lab-claim" and parser.spans[1]["id"] == "u1"
    # Nodes in walk order; a node with children opens a <details> one level deeper.
    assert parser.nodes == [(1, 2), (2, 2), (3, 2), (4, 3), (5, 3), (6, 2)]
    assert parser.depth == 0
    assert parser.external == [] and parser.scripts == 1
    assert "url(" not in page and "@import" not in page
    for label in ("claim", "premise", "counterargument", "rebuttal", "none"):
        assert f"</span>{label}</li>" in page  # legend entry
    assert "\n\n" in page  # the paragraph break survives (pre-wrap keeps it visible)


def test_export_html_escapes_everything(nasty):
    page = to_html(nasty)
    assert "<script>alert" not in page and "<b>bold" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &quot;quoted&quot;" in page
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; a\\backslash" in page
    assert "<title>odd &quot;id&quot; &lt;x&gt; · argmine</title>" in page
    assert "ünïcödé 😀" in page
    parser = _Outline()
    parser.feed(page)
    assert len(parser.spans) == 3 and len(parser.nodes) == 3 and parser.scripts == 1
    assert parser.spans[0]["title"].startswith("#0 claim (0.90)")


def test_export_html_skips_overlapping_spans_and_handles_no_trees():
    units = (Unit(0, "Talk now.", 0, 9, label=Label.CLAIM), Unit(1, "now", 5, 8))
    page = to_html(Document("d", "Talk now.", units))
    assert page.count('class="u ') == 1
    assert "No arguments found." in page
