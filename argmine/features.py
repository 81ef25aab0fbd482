"""Hand-made unit features the encoder cannot see: position in the text and discourse markers.

A sentence encoder sees one unit at a time, so it cannot know that a unit opens the text or
its paragraph; and with a few hundred training texts, explicit discourse-marker classes
(concession, enumeration, conclusion, …) are learnt far faster than from token embeddings.
The marker lists are general English connectives (after the PDTB connective inventory), not
tuned to any text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from argmine.document import Unit

_MARKERS: dict[str, tuple[str, ...]] = {
    # A concession or contrast usually introduces the other side or turns against it.
    "contrast": (
        "but", "however", "yet", "still", "nevertheless", "nonetheless", "on the other hand",
        "in contrast", "instead", "rather", "although", "though", "even though", "whereas",
        "despite", "in spite of", "conversely", "on the contrary",
    ),
    "concession": (
        "admittedly", "of course", "granted", "it is true that", "some say", "some people",
        "critics", "opponents", "one might", "one could", "some argue", "it is often said",
        "many believe", "it may be", "certainly", "sure,", "yes,", "indeed,",
    ),
    "enumeration": (
        "first", "firstly", "second", "secondly", "third", "thirdly", "finally", "lastly",
        "moreover", "furthermore", "in addition", "additionally", "also", "besides",
        "what is more", "another", "on top of that", "first of all", "to begin with",
    ),
    "reason": (
        "because", "since", "as", "for example", "for instance", "after all", "given that",
        "the reason", "due to", "this is because", "in fact", "indeed",
    ),
    "conclusion": (
        "therefore", "thus", "hence", "so", "consequently", "in conclusion", "to conclude",
        "to sum up", "in summary", "as a result", "that is why", "overall", "all in all",
        "i think", "i believe", "in my opinion", "we should", "should",
    ),
    "denial": ("no", "not at all", "not so", "wrong", "this is not", "that is not", "nothing"),
}

MARKER_CLASSES: tuple[str, ...] = tuple(_MARKERS)

POSITION_FEATURES: tuple[str, ...] = (
    "relative_position",
    "is_first",
    "is_last",
    "paragraph_position",
    "first_in_paragraph",
    "last_in_paragraph",
    "log_units",
    "log_length",
    "is_question",
    "is_exclamation",
)


def _starts_with(lowered: str, phrase: str) -> bool:
    if not lowered.startswith(phrase):
        return False
    rest = lowered[len(phrase) : len(phrase) + 1]
    return not rest or not rest.isalnum() or not phrase[-1].isalnum()


def marker_features(text: str) -> list[float]:
    """One 0/1 feature per marker class: does the unit open with a marker of that class?

    Examples:
        >>> dict(zip(MARKER_CLASSES, marker_features("But isn't it so?")))["contrast"]
        1.0
    """
    lowered = re.sub(r"^[\W_]+", "", text.strip().lower()).replace("’", "'")
    out = []
    for phrases in _MARKERS.values():
        out.append(1.0 if any(_starts_with(lowered, p) for p in phrases) else 0.0)
    return out


def unit_features(units: Sequence[Unit], *, position: bool = True, markers: bool = True):
    """Return one feature row per unit (position features, then marker features).

    Examples:
        >>> rows = unit_features([Unit(0, "A.", 0, 2), Unit(1, "But b?", 3, 9)])
        >>> rows[1][:3]
        [1.0, 0.0, 1.0]
    """
    n = len(units)
    by_paragraph: dict[int, list[int]] = {}
    for i, unit in enumerate(units):
        by_paragraph.setdefault(unit.paragraph, []).append(i)
    paragraphs = sorted(by_paragraph)
    rows = []
    for i, unit in enumerate(units):
        row: list[float] = []
        if position:
            members = by_paragraph[unit.paragraph]
            text = unit.text.strip()
            row += [
                i / (n - 1) if n > 1 else 0.0,
                1.0 if i == 0 else 0.0,
                1.0 if i == n - 1 else 0.0,
                paragraphs.index(unit.paragraph) / max(len(paragraphs) - 1, 1),
                1.0 if members[0] == i else 0.0,
                1.0 if members[-1] == i else 0.0,
                math.log1p(n) / 5.0,
                math.log1p(len(text)) / 6.0,
                1.0 if text.rstrip("\"'”’)").endswith("?") else 0.0,
                1.0 if text.rstrip("\"'”’)").endswith("!") else 0.0,
            ]
        if markers:
            row += marker_features(unit.text)
        rows.append(row)
    return rows


def n_features(*, position: bool = True, markers: bool = True) -> int:
    """Number of feature columns :func:`unit_features` returns for these settings."""
    return (len(POSITION_FEATURES) if position else 0) + (len(MARKER_CLASSES) if markers else 0)
