"""Text → units: sentence segmentation with exact character offsets and paragraph indices."""

from __future__ import annotations

import re
from collections.abc import Sequence

from argmine.document import Unit
from argmine.errors import InputError
from argmine.text.paragraphs import paragraph_index, paragraph_spans

# Why a splitter of our own rather than pysbd (evaluated on the seed op-ed and the cases in
# tests/test_units.py): pysbd gets the seed right, but its char_span mode has offset bugs and
# it can drop text outright (on 'a...a4"0!3!Mr.!!' the final '!!' belongs to no span, found by
# a property test), it keeps "know… Nothing." as one sentence, it splits "a lot. vs. the rest",
# it is unmaintained since 2021, and it is ~15 ms per 4 kB page. The rules below are few,
# each tested, exact by construction (units are stripped slices of the text), and linear.

_TERMINATOR = ".?!…"
_CLOSERS = "\"'”’»)]"
_OPENERS = "\"'“‘«(["
# A run of terminators, the closing quotes/brackets after it, then whitespace or the line end.
# The look-behind anchors a match at the start of a run, so a long run of dots that is not
# followed by a space costs linear, not quadratic, time.
_BOUNDARY = re.compile(
    rf"(?<![{_TERMINATOR}])[{_TERMINATOR}]+[{re.escape(_CLOSERS)}]*(?=\s|\Z)"
)
_NEXT = re.compile(rf"\s*[{re.escape(_OPENERS)}]*(\S?)")
_LETTERS = re.compile(r"[^\W\d_]*")
_WORD_CHAR = re.compile(r"[^\W_]")
# "- ", "* ", "• ", "1. ", "2) ", "(a) ", "iv. ": a list item is a line of its own already
# (paragraph = line); skipping its marker keeps "1." from ending a one-word "sentence".
_LIST_MARKER = re.compile(
    r"(?:[-*•‣◦▪■●○–—+]|\d{1,3}[.)]|[A-Za-z][.)]|[ivxlc]{1,6}[.)]"
    r"|\((?:\d{1,3}|[A-Za-z]|[ivxlc]{1,6})\))\s+"
)
_INITIALS = re.compile(r"(?:[^\W\d_]\.)*[^\W\d_]")

# Abbreviations that are always followed by more of the same sentence (a name, an example,
# the other side of a "vs."), so a period after them never ends one.
_NEVER_FINAL = frozenset(
    "mr mrs ms dr prof st gen sen rep gov lt col capt sgt rev hon pres mt ft messrs mme "
    "vs v e.g i.e cf viz approx ca".split()
)
# Abbreviations that usually precede a number ("No. 5", "fig. 3"); elsewhere ("No. I won't")
# they are ordinary words.
_BEFORE_NUMBER = frozenset("no nos fig figs vol ch sec art eq pp".split())
# Abbreviations that often do end a sentence; like initials ("U.S.", "J.") they end one only
# before a word that typically starts a sentence, so "the U.S. Army" stays whole but
# "... in the U.S. The talks ..." splits.
_MAYBE_FINAL = frozenset("etc jr sr inc ltd co corp al bros".split())
_STARTERS = frozenset(
    "the a an this that these those it its he she they we i you there here but and or so yet "
    "however in on at as if when while after before since because although though what why "
    "how who where which for to with then still also moreover furthermore meanwhile instead "
    "first second third finally our their his her my your many most some all each every one "
    "both even only not no".split()
)
_DASHES = "—–"


def _is_boundary(line: str, run_start: int, run: str, after: int) -> bool:
    """Decide whether the terminator run ``line[run_start:after]`` ends a sentence."""
    nxt = _NEXT.match(line, after)
    first = nxt.group(1) if nxt else ""
    if not first:  # end of the line: always a boundary
        return True
    if first in _DASHES:  # "over. — or was it": a dash continues the thought
        return False
    core = run.rstrip(_CLOSERS)
    if "?" in core or "!" in core:
        # '"Is it true?" she asked.' continues; a capital, digit or symbol starts anew.
        return not first.islower()
    if "…" in core or len(core) > 1:
        # An ellipsis inside a sentence marks an omission or a pause ("Wait... what?"); it
        # ends the sentence only when a capitalised word follows.
        return first.isupper() or first.istitle()
    token_start = run_start
    while token_start > 0 and not line[token_start - 1].isspace():
        token_start -= 1
    token = line[token_start:run_start].lstrip(_OPENERS)
    lower = token.lower()
    if lower in _NEVER_FINAL:
        return False
    if lower in _BEFORE_NUMBER and first.isdigit():
        return False
    if lower in _MAYBE_FINAL or (token and _INITIALS.fullmatch(token)):
        word = _LETTERS.match(line, nxt.start(1)) if nxt else None
        return bool(word) and first.isupper() and word.group(0).lower() in _STARTERS
    # An ordinary word: a lowercase continuation means an unknown abbreviation ("approx."),
    # anything else (capital, digit, symbol) starts a new sentence.
    return not first.islower()


def _sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split the paragraph ``text[start:end]`` into stripped sentence spans (absolute)."""
    line = text[start:end]
    marker = _LIST_MARKER.match(line)
    scan_from = marker.end() if marker else 0
    spans: list[tuple[int, int]] = []
    cut = 0
    word = _WORD_CHAR.search(line, cut)
    for match in _BOUNDARY.finditer(line, scan_from):
        # A run with no word before it ("... And") is not a sentence of its own.
        if word is None or word.start() >= match.start():
            continue
        if _is_boundary(line, match.start(), match.group(0), match.end()):
            spans.append((cut, match.end()))
            cut = match.end()
            word = _WORD_CHAR.search(line, cut)
    spans.append((cut, len(line)))
    out = []
    for a, b in spans:
        piece = line[a:b]
        stripped = piece.strip()
        if stripped:
            left = a + len(piece) - len(piece.lstrip())
            out.append((start + left, start + left + len(stripped)))
    return out


def segment(text: str) -> list[Unit]:
    r"""Split raw text into sentence units with exact character offsets.

    A sentence never crosses a line break (a line is a paragraph, see
    :func:`paragraph_spans`); each unit is stripped of surrounding whitespace and
    ``text[unit.start:unit.end] == unit.text``. List items ("- ", "1. ", "(a) ", …) are
    units of their own even without final punctuation; abbreviations, initials, decimals,
    closing quotes and em dashes are handled as the comments in this module explain.

    Args:
        text: The raw text.

    Returns:
        The sentence units in text order (``[]`` for blank text), unlabelled.

    Raises:
        InputError: E006 if ``text`` is not a string.

    Examples:
        >>> [u.text for u in segment("Mr. Smith met J. Doe in the U.S. today. Why? Ask.")]
        ['Mr. Smith met J. Doe in the U.S. today.', 'Why?', 'Ask.']
        >>> [(u.text, u.paragraph) for u in segment("- no dot\r\n- Two “quoted.” Done")]
        [('- no dot', 0), ('- Two “quoted.”', 1), ('Done', 1)]
    """
    if not isinstance(text, str):
        raise InputError("E006", type_name=type(text).__name__)
    return _segment(text, paragraph_spans(text))


def _segment(text: str, paragraphs: tuple[tuple[int, int], ...]) -> list[Unit]:
    units: list[Unit] = []
    for paragraph, (start, end) in enumerate(paragraphs):
        for a, b in _sentence_spans(text, start, end):
            units.append(Unit(len(units), text[a:b], a, b, paragraph=paragraph))
    return units


def units_from_strings(units: Sequence[str], *, separator: str = " ") -> tuple[str, list[Unit]]:
    """Build a document text and exact units from pre-segmented unit strings.

    The text is the items joined by ``separator``; each unit's span is its item stripped of
    surrounding whitespace (as :func:`segment` strips), so spans always slice back.

    Args:
        units: The unit strings, in order.
        separator: What goes between two units in the document text.

    Returns:
        ``(text, units)``.

    Raises:
        InputError: E007 if the list is empty or an item is not a string with some
            non-whitespace text; E301 if ``separator`` is not a string.

    Examples:
        >>> text, us = units_from_strings(["We should act.", "It pays."])
        >>> text, [(u.start, u.end) for u in us]
        ('We should act. It pays.', [(0, 14), (15, 23)])
    """
    text, out, _paragraphs = _from_strings(units, separator)
    return text, out


def _from_strings(units: Sequence[str], separator: str
                  ) -> tuple[str, list[Unit], tuple[tuple[int, int], ...]]:
    if not isinstance(separator, str):
        raise InputError(
            "E301", param="separator", owner="units_from_strings", expected="a str",
            value=separator,
        )
    if len(units) == 0:
        raise InputError("E007", index=0, value=None)
    for i, item in enumerate(units):
        if not isinstance(item, str) or not item.strip():
            raise InputError("E007", index=i, value=item)
    text = separator.join(units)
    paragraphs = paragraph_spans(text)
    out: list[Unit] = []
    offset = 0
    for i, item in enumerate(units):
        left = offset + len(item) - len(item.lstrip())
        stripped = item.strip()
        out.append(
            Unit(
                i, stripped, left, left + len(stripped),
                paragraph=paragraph_index(paragraphs, left),
            )
        )
        offset += len(item) + len(separator)
    return text, out, paragraphs


def to_units(text_or_units: str | Sequence[str]) -> tuple[str, list[Unit]]:
    """Accept raw text or pre-segmented unit strings; return ``(text, units)``.

    Every stage that takes raw text goes through this, so a list of unit strings is
    accepted wherever a string is.

    Raises:
        InputError: E006 for anything but a ``str``, ``list`` or ``tuple``; E007 for a bad
            item of a list.

    Examples:
        >>> to_units("One. Two.")[1][1].text
        'Two.'
        >>> to_units(["One", "Two"])[0]
        'One Two'
    """
    text, units, _paragraphs = split_text(text_or_units)
    return text, units


def split_text(
    text_or_units: str | Sequence[str],
) -> tuple[str, list[Unit], tuple[tuple[int, int], ...]]:
    r"""Like :func:`to_units`, and also return the paragraph spans, computed once.

    Examples:
        >>> split_text("One.\nTwo.")[2]
        ((0, 4), (5, 9))
    """
    if isinstance(text_or_units, str):
        paragraphs = paragraph_spans(text_or_units)
        return text_or_units, _segment(text_or_units, paragraphs), paragraphs
    if isinstance(text_or_units, (list, tuple)):
        return _from_strings(text_or_units, " ")
    raise InputError("E006", type_name=type(text_or_units).__name__)
