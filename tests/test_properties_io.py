"""Property tests of input reading (argmine.batch.sources) and of the exporters (argmine.export).

Sources: random folder trees of text, JSONL and CSV files, bad bytes included; every file
yields exactly one record or error per document, none is lost, ids are unique and the same
from run to run. Exporters: random documents with arbitrary Unicode text; JSON comes back
equal, AIF parses, and HTML, DOT and Mermaid keep their structure however odd the text.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import tempfile
from html.parser import HTMLParser
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from argmine.batch.sources import iter_sources
from argmine.document import ArgumentTree, Document, Relation, Unit
from argmine.errors import InputError
from argmine.export import from_json, to_aif, to_dot, to_html, to_json, to_mermaid, to_text
from argmine.schema import LABELS, RelationKind, Role
from argmine.text.validation import wide_encoding

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

# --------------------------------------------------------------------------- sources

texts = st.text(max_size=40)
raw_text_files = st.one_of(
    texts.map(str.encode),
    texts.map(lambda t: b"\xef\xbb\xbf" + t.encode()),  # UTF-8 with a BOM
    st.binary(max_size=60),  # bad bytes, NULs, anything
    texts.map(lambda t: t.encode("utf-16")),
    texts.map(lambda t: t.encode("utf-16-le")),
)
jsonl_lines = st.one_of(
    texts.map(lambda t: json.dumps({"text": t}).encode()),
    st.lists(texts, min_size=1, max_size=3).map(lambda u: json.dumps({"units": u}).encode()),
    st.sampled_from([b"", b"  ", b"[1, 2]", b'"text"', b'{"text": 5}', b"{not json",
                     b'{"other": "x"}', b'{"text": "\xff\xfe bad"}']),
    st.binary(max_size=30).map(lambda b: b.replace(b"\n", b"")),
)
# CSV rows: a well-formed row (written by csv.writer, so any text is quoted as it must be),
# a row with a surplus field, a row of raw bytes (no quote, comma or line break in them).
csv_rows = st.one_of(
    st.tuples(st.just("ok"), texts),
    st.tuples(st.just("extra"), texts),
    st.tuples(st.just("raw"), st.binary(max_size=20).map(
        lambda b: bytes(c for c in b if c not in b'",\r\n'))),
)


@st.composite
def csv_files(draw) -> tuple[bytes, int]:
    """Return ``(content, number of records it must yield)``."""
    rows = draw(st.lists(csv_rows, max_size=6))
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(["text", "note"])
    body = out.getvalue().encode()
    for kind, value in rows:
        if kind == "ok":
            out = io.StringIO(newline="")
            csv.writer(out).writerow([value, "n"])
            body += out.getvalue().encode()
        elif kind == "extra":
            body += b"a,b,surplus\r\n"
        else:
            body += value + b",n\r\n"
    expected = len(rows)
    if draw(st.booleans()):  # a quote opened on the last row and never closed
        body += b'"never closed,n\r\nmore text\r\n'
        expected += 1
    return body, expected


@st.composite
def trees(draw) -> dict[str, tuple[str, bytes, int | None]]:
    """Return ``{relative path: (kind, content, expected records or None)}``."""
    folders = draw(st.lists(st.sampled_from(["", "x/", "x/y/", "z/"]), min_size=1,
                            max_size=8))
    files = {}
    for i, folder in enumerate(folders):
        kind = draw(st.sampled_from(["txt", "jsonl", "csv"]))
        if kind == "txt":
            files[f"{folder}f{i}.txt"] = ("txt", draw(raw_text_files), 1)
        elif kind == "jsonl":
            lines = draw(st.lists(jsonl_lines, max_size=6))
            files[f"{folder}f{i}.jsonl"] = ("jsonl", b"\n".join(lines),
                                            sum(bool(line.strip()) for line in lines))
        else:
            content, expected = draw(csv_files())
            files[f"{folder}f{i}.csv"] = ("csv", content, expected)
    return files


def _records(root: Path) -> list[tuple[str, str]]:
    return [(doc_id, f"{c.code}: {c}" if isinstance(c, InputError) else repr(c))
            for doc_id, c in iter_sources([root], pattern="*")]


@SETTINGS
@given(trees())
def test_sources_every_document_yields_exactly_one_record(files):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for rel, (_kind, content, _n) in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(content)
        items = list(iter_sources([root], pattern="*"))
        ids = [doc_id for doc_id, _ in items]
        assert len(ids) == len(set(ids)), "ids must be unique"
        assert _records(root) == _records(root), "a second run must give the same records"
        for rel, (kind, content, expected) in files.items():
            mine = [(i, c) for i, c in items if i == rel or i.startswith(rel + ":")]
            if kind != "txt" and wide_encoding(content[:4096]):
                expected = 1  # a UTF-16 file is one E014 record, not one per line
            assert len(mine) == expected, (rel, content, mine)
            for _doc_id, content_or_error in mine:
                assert isinstance(content_or_error, (str, list, InputError))
        # Nothing else: every record belongs to a file that was written.
        assert len(items) == sum(
            1 if k != "txt" and wide_encoding(c[:4096]) else n
            for k, c, n in files.values())


@SETTINGS
@given(raw_text_files)
def test_sources_text_file_is_its_text_or_one_coded_error(content):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "doc.txt")
        path.write_bytes(content)
        [(doc_id, result)] = list(iter_sources([path]))
        assert doc_id == path.as_posix()
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = None
        if text is not None and text.strip() and "\x00" not in text:
            assert result == text  # nothing lost, nothing added
        else:
            assert isinstance(result, InputError)
            assert result.code in {"E002", "E003", "E004", "E014"}


@SETTINGS
@given(st.lists(texts, min_size=1, max_size=5))
def test_sources_jsonl_texts_come_back_exactly(values):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "d.jsonl")
        path.write_text("".join(json.dumps({"text": v}) + "\n" for v in values),
                        encoding="utf-8")
        items = list(iter_sources([path]))
        assert [i for i, _ in items] == [f"{path.as_posix()}:{n}"
                                         for n in range(1, len(values) + 1)]
        for value, (_, result) in zip(values, items):
            if value.strip() and "\x00" not in value:
                assert result == value
            else:
                assert isinstance(result, InputError)


# --------------------------------------------------------------------------- exporters

odd_text = st.text(
    alphabet=st.one_of(st.characters(codec="utf-8"),
                       st.sampled_from(list('"\'<>&#;|`[]{}\\\n\r\t%-.'))),
    min_size=1, max_size=25)


@st.composite
def documents(draw) -> Document:
    n = draw(st.integers(1, 6))
    pieces = [draw(odd_text) for _ in range(n)]
    seps = [draw(st.sampled_from([" ", "\n", "\n\n", " \t ", "\r\n"])) for _ in range(n - 1)]
    units, text, offset = [], "", 0
    for i, piece in enumerate(pieces):
        if i:
            text += seps[i - 1]
            offset += len(seps[i - 1])
        label = draw(st.none() | st.sampled_from(LABELS))
        score = draw(st.none() | st.floats(0, 1))
        role = draw(st.none() | st.sampled_from(list(Role)))
        units.append(Unit(i, piece, offset, offset + len(piece), label=label, score=score,
                          role=role))
        text += piece
        offset += len(piece)
    parents = {i: draw(st.none() | st.integers(0, i - 1)) for i in range(1, n)}
    relations = tuple(Relation(i, p, draw(st.sampled_from(list(RelationKind))))
                      for i, p in parents.items() if p is not None)
    children: dict[int, list[int]] = {}
    for rel in relations:
        children.setdefault(rel.target, []).append(rel.source)
    built = []
    for root in range(n):
        if parents.get(root) is not None or root not in children:
            continue
        members, stack = [], [root]
        while stack:
            node = stack.pop()
            members.append(node)
            stack.extend(children.get(node, ()))
        inside = set(members)
        built.append(ArgumentTree(units[root], tuple(units[i] for i in sorted(inside)),
                                  tuple(r for r in relations if r.source in inside)))
    return Document(draw(odd_text), text, tuple(units), relations, tuple(built)).validate()


def _shape(doc: Document):
    units = [(u.index, u.text, u.start, u.end, u.label, u.role, u.score) for u in doc.units]
    relations = sorted((r.source, r.target, r.kind) for r in doc.relations)
    trees_ = [(t.root.index, [u.index for u in t.nodes],
               sorted((e.source, e.target, e.kind) for e in t.edges)) for t in doc.trees]
    return doc.id, units, relations, trees_


@SETTINGS
@given(documents())
def test_export_json_round_trips_to_an_equal_document(doc):
    out = to_json(doc)
    back = from_json(out)
    assert _shape(back) == _shape(doc)
    assert to_json(back) == out
    assert from_json(to_json(doc, indent=None)) == back


@SETTINGS
@given(documents())
def test_export_aif_parses_and_keeps_every_text(doc):
    graph = json.loads(to_aif(doc, include_none=True))
    assert graph["text"] == doc.text
    i_nodes = {n["nodeID"]: n["text"] for n in graph["AIF"]["nodes"] if n["type"] == "I"}
    assert i_nodes == {str(u.index): u.text for u in doc.units}
    ids = {n["nodeID"] for n in graph["AIF"]["nodes"]}
    assert all(e["fromID"] in ids and e["toID"] in ids for e in graph["AIF"]["edges"])


class _Page(HTMLParser):
    """Check nesting and collect what the page shows of the document."""

    VOID = {"meta", "br", "img", "input", "link", "hr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict]] = []
        self.doc_text: list[str] = []
        self.units: list[tuple[int, str]] = []
        self.node_titles: dict[int, str] = {}
        self.errors: list[str] = []

    def _inside(self, cls: str) -> bool:
        return any(cls in (attrs.get("class") or "").split() for _, attrs in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.VOID:
            return
        self.stack.append((tag, attrs))
        if "u" in (attrs.get("class") or "").split() and self._inside("doc"):
            self.units.append((int(attrs["data-unit"]), ""))
        if "node" in (attrs.get("class") or "").split():
            self.node_titles[int(attrs["data-unit"])] = attrs.get("title")

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1][0] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
            return
        self.stack.pop()

    def handle_data(self, data):
        if self._inside("doc"):
            self.doc_text.append(data)
            if self.stack[-1][1].get("data-unit") is not None and self._inside("u"):
                index, seen = self.units[-1]
                self.units[-1] = (index, seen + data)


@SETTINGS
@given(documents())
def test_export_html_escapes_any_text_without_breaking_structure(doc):
    page = _Page()
    page.feed(to_html(doc))
    page.close()
    assert page.errors == [] and page.stack == []
    assert "".join(page.doc_text) == doc.text  # the text column shows the text exactly
    assert page.units == [(u.index, u.text) for u in doc.units]
    in_trees = {u.index: u for t in doc.trees for u in t.nodes}
    assert page.node_titles == {i: " ".join(u.text.split()) for i, u in in_trees.items()}


_DOT_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"', re.S)
_DOT_STATEMENT = re.compile(
    r"(digraph Q \{|\}|graph \[.*\];|node \[.*\];|edge \[.*\];|subgraph cluster_\d+ \{"
    r"|label=Q;|style=dashed; color=Q; fontsize=10; labelloc=b;"
    r"|u\d+ \[label=Q, fillcolor=Q, color=Q\];"
    r"|u\d+ -> u\d+ \[label=Q, color=Q, fontcolor=Q(, style=dashed)?\];)")


def _dot_unquote(body: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n"}.get(m.group(1), m.group(1)), body,
                  flags=re.S)


def _words(text: str) -> str:
    return "".join(text.split())


@SETTINGS
@given(documents())
def test_export_dot_quotes_any_text_without_breaking_structure(doc):
    dot = to_dot(doc, include_none=True, max_chars=None)
    # With every quoted string taken out, what is left is DOT's own statements, line by line.
    skeleton = _DOT_STRING.sub("Q", dot)
    assert '"' not in skeleton
    for line in skeleton.split("\n"):
        assert not line.strip() or _DOT_STATEMENT.fullmatch(line.strip()), line
    assert skeleton.count("{") == skeleton.count("}")
    labels = {}
    for match in re.finditer(r"^ +u(\d+) \[label=" + _DOT_STRING.pattern, dot, re.M):
        labels[int(match.group(1))] = _dot_unquote(match.group(2))
    assert set(labels) == {u.index for u in doc.units}
    for unit in doc.units:
        head, _, body = labels[unit.index].partition("\n")
        assert head.startswith(f"#{unit.index} ")
        assert _words(body) == _words(unit.text)
    assert _dot_unquote(_DOT_STRING.search(dot).group(1)) == doc.id.replace("\r\n", "\n") \
        .replace("\r", "\n")


_MERMAID_STATEMENT = re.compile(
    r"(flowchart TD|%% .*|u\d+\[\"[^\"]*\"\]|u\d+ (-->\|support\||-\.->\|attack\|) u\d+"
    r"|linkStyle [\d,]+ [^\"]+|classDef \w+ [^\s\"]+|class [u\d,]+ \w+)")


@SETTINGS
@given(documents())
def test_export_mermaid_escapes_any_text_without_breaking_structure(doc):
    chart = to_mermaid(doc, include_none=True, max_chars=None)
    for line in chart.split("\n"):
        assert not line.strip() or _MERMAID_STATEMENT.fullmatch(line.strip()), line
    labels = {int(m.group(1)): m.group(2)
              for m in re.finditer(r'^  u(\d+)\["([^"]*)"\]$', chart, flags=re.M)}
    assert set(labels) == {u.index for u in doc.units}
    for unit in doc.units:
        label = labels[unit.index]
        # Outside <br>, no character Mermaid would read as markup is left raw.
        assert not re.search(r"[<>&`|\[\]{}]", label.replace("<br>", ""))
        lines = [re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), part)
                 for part in label.split("<br>")]
        assert lines[0].startswith(f"#{unit.index} ")
        assert _words("".join(lines[1:])) == _words(unit.text)


@SETTINGS
@given(documents())
def test_export_text_outline_never_fails(doc):
    out = to_text(doc)
    assert isinstance(out, str) and out.endswith("\n")
    assert html.escape(out) is not None
