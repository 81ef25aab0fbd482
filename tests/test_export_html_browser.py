"""Render the HTML export in a real headless Chromium: screenshot, DOM and console checks.

Needs Debian's ``chromium`` (``apt-get install -y chromium``). Skipped when it is absent,
except under ``CI=true``, where a missing browser fails the run.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from test_export import mined_document

from argmine.export import (
    document_anchor,
    html_document_section,
    html_page_start,
    to_html,
    to_html_many,
)
from argmine.export._common import PALETTE
from argmine.schema import Label

WIDTH, HEIGHT = 1280, 900
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Paint CSS colours as they are, so the screenshot holds the palette's exact values.
    "--force-color-profile=srgb",
    "--hide-scrollbars",
    f"--window-size={WIDTH},{HEIGHT}",
    # Console messages (script errors included) go to stderr as "INFO:CONSOLE" lines.
    "--enable-logging=stderr",
    "--v=0",
]


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        reason = "chromium is not installed (apt-get install -y chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    return path


def _run(chromium: str, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp / "profile"
    profile.mkdir(exist_ok=True)
    return subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=120, check=False,
    )


def _console_errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "CONSOLE" in line and "Uncaught" in line]


def decode_png(data: bytes) -> tuple[int, int, list[tuple[int, int, int]]]:
    """Decode an 8-bit, non-interlaced RGB or RGBA PNG into (width, height, RGB pixels)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert header is not None, "no IHDR chunk"
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, f"unsupported PNG {header}"
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    pixels: list[tuple[int, int, int]] = []
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        row = bytearray(raw[start + 1 : start + 1 + stride])
        # Undo the PNG row filters (0 none, 1 sub, 2 up, 3 average, 4 Paeth).
        if kind == 1:
            for i in range(bpp, stride):
                row[i] = (row[i] + row[i - bpp]) & 0xFF
        elif kind == 2:
            for i in range(stride):
                row[i] = (row[i] + prev[i]) & 0xFF
        elif kind == 3:
            for i in range(stride):
                left = row[i - bpp] if i >= bpp else 0
                row[i] = (row[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = row[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                row[i] = (row[i] + pred) & 0xFF
        pixels.extend(zip(row[0::bpp], row[1::bpp], row[2::bpp]))
        prev = row
    return width, height, pixels


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _near(counts: Counter, colour: tuple[int, int, int], tolerance: int = 3) -> int:
    return sum(
        n for c, n in counts.items() if all(abs(x - y) <= tolerance for x, y in zip(c, colour))
    )


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("html") / "track-ii.html"
    path.write_text(to_html(mined_document()), encoding="utf-8")
    return path


def test_export_html_screenshot_shows_label_colours(chromium, page, tmp_path):
    shot = tmp_path / "page.png"
    result = _run(chromium, tmp_path, f"--screenshot={shot}", page.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.is_file(), result.stderr[-2000:]
    assert _console_errors(result.stderr) == []
    width, height, pixels = decode_png(shot.read_bytes())
    assert (width, height) == (WIDTH, HEIGHT)
    counts = Counter(pixels)
    # Not blank: text anti-aliasing alone yields hundreds of shades; the background is
    # far from all of the picture.
    assert len(counts) > 100
    assert counts.most_common(1)[0][1] < 0.9 * width * height
    # Each highlighted label paints a visible area (sentence backgrounds plus tree chips).
    for label in (Label.CLAIM, Label.PREMISE, Label.COUNTERARGUMENT, Label.REBUTTAL):
        area = _near(counts, _rgb(PALETTE[label].fill))
        assert area > 500, f"{label.value} colour {PALETTE[label].fill} covers {area} pixels"


class _Count(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sentences: list[str] = []
        self.nodes: list[str] = []
        self.active: list[str] = []
        self.details = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "span" and "u" in classes:
            self.sentences.append(a["data-label"])
        if "node" in classes:
            self.nodes.append(a["data-unit"])
        if "active" in classes:
            self.active.append(a.get("data-unit", ""))
        if tag == "details":
            self.details += 1


def test_export_html_dom_has_every_sentence_and_node(chromium, page, tmp_path):
    result = _run(chromium, tmp_path, "--dump-dom", page.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    assert _console_errors(result.stderr) == []
    dom = _Count()
    dom.feed(result.stdout)
    doc = mined_document()
    assert dom.sentences == [u.label.value for u in doc.units]
    assert dom.nodes == ["1", "2", "3", "4", "5", "6"]
    assert dom.details == 3  # the tree, the claim and the counterargument (both have children)
    assert dom.active == []


def test_export_html_hover_highlights_the_sentence(chromium, page, tmp_path):
    # Hovering is simulated by a script appended after the page's own; the dumped DOM then
    # shows which elements the page's handler marked.
    hover = (
        "<script>document.querySelector('.node[data-unit=\"4\"]')"
        ".dispatchEvent(new MouseEvent('mouseenter'));</script></body>"
    )
    probe = tmp_path / "probe.html"
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", hover), "utf-8")
    result = _run(chromium, tmp_path, "--dump-dom", probe.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    assert _console_errors(result.stderr) == []
    dom = _Count()
    dom.feed(result.stdout)
    assert sorted(dom.active) == ["4", "4"]  # the sentence span and the tree node


# --- many documents on one page -------------------------------------------------------------


def _probe(chromium: str, tmp: Path, html: str, script: str = "") -> str:
    """Load ``html`` with ``script`` run at the end of the body; return the DOM after load."""
    head, _, tail = html.rpartition("</body>")
    path = tmp / "probe.html"
    path.write_text(f"{head}<script>{script}</script></body>{tail}" if script else html,
                    encoding="utf-8")
    result = _run(chromium, tmp, "--dump-dom", path.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    assert _console_errors(result.stderr) == []
    return result.stdout


class _Sections(HTMLParser):
    """Collect, per document section, the units of its elements marked active, and results
    a probe script left in ``data-probe-*`` attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str | None] = []  # open <section>s: doc id, or None for columns
        self.active: list[tuple[str | None, str, str]] = []  # (section, class, unit)
        self.probes: dict[str, str] = {}
        self.toc: list[tuple[str, str]] = []
        self.in_toc = False
        self.link: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "section":
            self.sections.append(a["data-doc-id"] if "document" in classes else None)
        if "active" in classes:
            kind = "node" if "node" in classes else "sentence"
            doc = next((d for d in reversed(self.sections) if d is not None), None)
            self.active.append((doc, kind, a.get("data-unit", "")))
        self.probes.update({k: v for k, v in a.items() if k.startswith("data-probe-")})
        if tag == "nav" and "toc" in classes:
            self.in_toc = True
        if tag == "a" and self.in_toc:
            self.toc.append((a["href"], ""))
            self.link = []

    def handle_endtag(self, tag):
        if tag == "section":
            self.sections.pop()
        if tag == "a" and self.link is not None:
            self.toc[-1] = (self.toc[-1][0], "".join(self.link))
            self.link = None
        if tag == "nav":
            self.in_toc = False

    def handle_data(self, data):
        if self.link is not None:
            self.link.append(data)


def _many_docs():
    from test_export_many import many_documents

    return many_documents()


def test_export_html_many_hover_stays_in_its_document(chromium, tmp_path):
    docs = _many_docs()
    # Hover unit #1 of the second document: its node and sentence light up, and nothing in
    # the first or third document, which have a unit #1 too.
    script = (
        "var s = document.querySelectorAll('section.document')[1];"
        "s.querySelector('.node[data-unit=\"1\"]').dispatchEvent(new MouseEvent('mouseenter'));"
    )
    dom = _Sections()
    dom.feed(_probe(chromium, tmp_path, to_html_many(docs), script))
    assert sorted(dom.active) == [(docs[1].id, "node", "1"), (docs[1].id, "sentence", "1")]
    # Hovering a sentence works the same way, and leaving clears the marks.
    script = (
        "var s = document.querySelectorAll('section.document')[2];"
        "var u = s.querySelector('.u[data-unit=\"0\"]');"
        "u.dispatchEvent(new MouseEvent('mouseenter'));"
        "document.body.setAttribute('data-probe-lit',"
        " document.querySelectorAll('.active').length);"
        "u.dispatchEvent(new MouseEvent('mouseleave'));"
    )
    dom = _Sections()
    dom.feed(_probe(chromium, tmp_path, to_html_many(docs), script))
    assert dom.probes["data-probe-lit"] == "2" and dom.active == []


def test_export_html_many_lists_documents_and_links_their_sections(chromium, tmp_path):
    docs = _many_docs()
    # Follow the third link; the section it targets must be the third document's, and
    # the list must be drawn above the first document.
    script = (
        "var links = document.querySelectorAll('nav.toc a');"
        "links[2].click();"
        "var target = document.querySelector(':target');"
        "document.body.setAttribute('data-probe-target',"
        " target ? target.getAttribute('data-doc-id') : '');"
        "var nav = document.querySelector('nav.toc').getBoundingClientRect();"
        "var first = document.querySelector('section.document').getBoundingClientRect();"
        "document.body.setAttribute('data-probe-above', String(nav.bottom <= first.top));"
    )
    dom = _Sections()
    dom.feed(_probe(chromium, tmp_path, to_html_many(docs), script))
    assert [text for _, text in dom.toc] == [doc.id for doc in docs]
    assert dom.probes["data-probe-target"] == docs[2].id
    assert dom.probes["data-probe-above"] == "true"


def test_export_html_streamed_page_without_list_gets_one_from_its_sections(chromium, tmp_path):
    docs = _many_docs()
    # What a batch job has written so far: the start and two sections, no end.
    partial = html_page_start() + "".join(html_document_section(doc) for doc in docs[:2])
    dom = _Sections()
    dom.feed(_probe(chromium, tmp_path, partial))
    assert dom.toc == [(f"#{document_anchor(doc.id)}", doc.id) for doc in docs[:2]]


def test_export_html_nodes_show_number_and_expand_long_text(chromium, tmp_path):
    docs = _many_docs()
    long_unit = next(u for u in docs[1].units if len(u.text) > 160)
    full = " ".join(long_unit.text.split())
    # innerText holds only what is rendered: the hidden full text is not in it until the
    # "more" button is pressed.
    script = (
        "var s = document.querySelectorAll('section.document')[1] || document.body;"
        "var nodes = Array.from(s.querySelectorAll('.node'));"
        "document.body.setAttribute('data-probe-numbers', nodes.map(function (n) {"
        " return n.innerText.trim().split(/\\s/)[0]; }).join(','));"
        f"var node = s.querySelector('.node[data-unit=\"{long_unit.index}\"]');"
        "document.body.setAttribute('data-probe-before', node.innerText);"
        "node.querySelector('button.more').click();"
        "document.body.setAttribute('data-probe-after', node.innerText);"
        "document.body.setAttribute('data-probe-lit', s.querySelectorAll('.active').length);"
    )
    for html in (to_html_many(docs), to_html(docs[1])):
        dom = _Sections()
        dom.feed(_probe(chromium, tmp_path, html, script))
        walk = [u.index for u, _, _ in docs[1].trees[0].walk()]
        assert dom.probes["data-probe-numbers"] == ",".join(f"#{i}" for i in walk)
        assert full not in dom.probes["data-probe-before"]
        assert "…" in dom.probes["data-probe-before"]
        assert full in dom.probes["data-probe-after"]
        assert dom.probes["data-probe-lit"] == "0"  # the button does not jump to the text
