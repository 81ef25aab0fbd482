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

from argmine.export import to_html
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
