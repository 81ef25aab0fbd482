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


def _opening(text: str) -> str:
    """The unit's text lower-cased, from its first word on (quotes and dashes dropped)."""
    return re.sub(r"^[\W_]+", "", text.strip().lower()).replace("’", "'")


def _is_question(text: str) -> bool:
    return text.strip().rstrip("\"'”’)").endswith("?")


def marker_features(text: str) -> list[float]:
    """One 0/1 feature per marker class: does the unit open with a marker of that class?

    Examples:
        >>> dict(zip(MARKER_CLASSES, marker_features("But isn't it so?")))["contrast"]
        1.0
    """
    lowered = _opening(text)
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
                1.0 if _is_question(text) else 0.0,
                1.0 if text.rstrip("\"'”’)").endswith("!") else 0.0,
            ]
        if markers:
            row += marker_features(unit.text)
        rows.append(row)
    return rows


def n_features(*, position: bool = True, markers: bool = True) -> int:
    """Number of feature columns :func:`unit_features` returns for these settings."""
    return (len(POSITION_FEATURES) if position else 0) + (len(MARKER_CLASSES) if markers else 0)


# Ordinal list markers: "First, … Second, … Finally, …" items are siblings that support the
# unit introducing the list ("… for three reasons."), however far apart the items lie.
_ORDINALS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (1, ("first of all", "firstly", "first", "to begin with", "to start with", "for one")),
    (2, ("secondly", "second")),
    (3, ("thirdly", "third")),
    (4, ("fourthly", "fourth")),
    (5, ("fifthly", "fifth")),
    (99, ("finally", "lastly", "last but not least")),
)

PAIR_FEATURES: tuple[str, ...] = (
    "same_paragraph", "list_introducer", "same_list", "announced_list", "answers_question",
)
"""Features of an ordered pair (child ``i``, candidate parent ``j``): both in one paragraph;
``j`` is the unit just before the first item of the ordinal list ``i`` belongs to; ``i`` and
``j`` are items of the same ordinal list; ``j`` announces the list ``i`` belongs to ("… for
three reasons.", at most :data:`ANNOUNCEMENT_REACH` units before its first item); ``i``
answers the question ``j`` asked just before it in the same paragraph. Models are saved with
the number of columns they were trained on; new columns are only ever appended."""

ANNOUNCEMENT_REACH = 2
"""How many units before a list's first item an announcement of it may stand."""

# A cataphoric announcement ("for several reasons", "in three ways", "as follows") promises
# a list of what supports the sentence; the list's items then point back to it.
_ANNOUNCEMENT = re.compile(
    r"\b(?:(?:several|many|two|three|four|five|a few|a number of|various|numerous|"
    r"multiple|some|a couple of)\s+(?:\w+\s+)?"
    r"(?:reasons|purposes|ways|benefits|advantages|disadvantages|grounds|arguments|points|"
    r"factors|aspects|aims|goals|functions|drawbacks|problems|consequences|effects|causes|"
    r"considerations|things)|as follows|the following)\b",
    re.IGNORECASE,
)


def announces(text: str) -> bool:
    """Does the unit announce a list of reasons, ways, purposes … ("for three reasons")?

    Examples:
        >>> [announces(t) for t in ("Talks help because they serve several purposes.",
        ...                         "This is so for the following reasons:", "It rains.")]
        [True, True, False]
    """
    return _ANNOUNCEMENT.search(text) is not None


def ordinal(text: str) -> int:
    """The position a unit's opening ordinal marker gives it in a list (0: none; 99: last).

    Examples:
        >>> [ordinal(t) for t in ("First, x.", "Secondly x.", "Finally, x.", "Firstborn.")]
        [1, 2, 99, 0]
    """
    lowered = _opening(text)
    for position, phrases in _ORDINALS:
        if any(_starts_with(lowered, p) for p in phrases):
            return position
    return 0


def list_starts(units: Sequence[Unit]) -> list[int | None]:
    """For each unit, the index of the first item of the ordinal list it is an item of.

    A list starts at a unit opening with "First"/"Firstly"/…; a later unit opening with any
    other ordinal ("Second", "Finally", …) continues the most recent list; a unit without
    an ordinal, or an ordinal before any "First", is in none.

    Examples:
        >>> texts = ["A.", "First, b.", "C.", "Second, d.", "Finally, e."]
        >>> list_starts([Unit(i, t, 0, len(t)) for i, t in enumerate(texts)])
        [None, 1, None, 1, 1]
    """
    starts: list[int | None] = []
    current: int | None = None
    for i, unit in enumerate(units):
        k = ordinal(unit.text)
        if k == 1:
            current = i
        starts.append(current if k and current is not None else None)
    return starts


def coordinate_lists(units: Sequence[Unit]) -> list[tuple[int, ...]]:
    """The ordinal lists whose items each open a paragraph of their own, as unit indices.

    Such items ("First, … ¶ Second, … ¶ Third, …") are coordinate: the decoder hangs them
    under one shared parent or inside their own paragraphs (:func:`argmine.trees.decode`).
    Lists of items inside one paragraph are left alone: in the essays their items attach to
    different units as often as to the same one.

    Examples:
        >>> texts = ["Why?", "First, a.", "A2.", "Second, b.", "Third, c."]
        >>> units = [Unit(i, t, 0, len(t), paragraph=p) for i, (t, p) in
        ...          enumerate(zip(texts, [0, 1, 1, 2, 3]))]
        >>> coordinate_lists(units)
        [(1, 3, 4)]
        >>> coordinate_lists([Unit(i, t, 0, len(t)) for i, t in enumerate(texts)])
        []
    """
    first_of: dict[int, int] = {}  # paragraph → position of its first unit
    for position, unit in enumerate(units):
        first_of.setdefault(unit.paragraph, position)
    lists: dict[int, list[int]] = {}
    for i, start in enumerate(list_starts(units)):
        if start is not None:
            lists.setdefault(start, []).append(i)
    out = []
    for items in lists.values():
        paragraphs = [units[i].paragraph for i in items]
        if (len(items) > 1 and len(set(paragraphs)) == len(items)
                and all(first_of[p] == i for p, i in zip(paragraphs, items))):
            out.append(tuple(items))
    return out


def pair_features(units: Sequence[Unit]):
    """The pair features of a document: ``(n, n, len(PAIR_FEATURES))`` floats.

    ``out[i, j]`` describes child ``i`` and candidate parent ``j``; the tensor is built by
    broadcasting, so long documents stay cheap.

    Examples:
        >>> texts = ["Talks help for three reasons.", "First, b.", "C.", "Second, d."]
        >>> feats = pair_features([Unit(i, t, 0, len(t)) for i, t in enumerate(texts)])
        >>> feats[3, 0].tolist(), feats[3, 1].tolist(), feats[2, 0].tolist()
        ([1.0, 1.0, 0.0, 1.0, 0.0], [1.0, 0.0, 1.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0, 0.0])
    """
    import torch

    n = len(units)
    paragraph = torch.tensor([u.paragraph for u in units], dtype=torch.long).view(n)
    starts = list_starts(units)
    start = torch.tensor([-1 if s is None else s for s in starts], dtype=torch.long).view(n)
    announcer_of = {s: max((j for j in range(max(s - ANNOUNCEMENT_REACH, 0), s)
                            if announces(units[j].text)), default=-1)
                    for s in set(starts) if s is not None}
    announcer = torch.tensor([announcer_of.get(s, -1) for s in starts],
                             dtype=torch.long).view(n)
    question = torch.tensor([_is_question(u.text) for u in units], dtype=torch.bool).view(n)
    idx = torch.arange(n)
    in_list = (start >= 0).view(-1, 1)
    same_paragraph = paragraph.view(-1, 1) == paragraph.view(1, -1)
    introducer = in_list & (idx.view(1, -1) == (start - 1).view(-1, 1))
    same_list = in_list & (start.view(-1, 1) == start.view(1, -1)) & ~torch.eye(n, dtype=torch.bool)
    announced = (announcer >= 0).view(-1, 1) & (idx.view(1, -1) == announcer.view(-1, 1))
    answers = (same_paragraph & (idx.view(1, -1) == (idx - 1).view(-1, 1))
               & question.view(1, -1) & ~question.view(-1, 1))
    return torch.stack([same_paragraph, introducer, same_list, announced, answers], dim=-1).float()
