"""Training-time rewrites that show the model argumentative forms its corpora rarely hold.

The annotated corpora are student essays, microtexts, abstracts and web comments. Op-eds
argue with devices those texts almost never use, and a model cannot label what it has not
seen:

* **hypophora**, an objection raised as a question and answered at once ("But isn't it
  true that …?" — "Not at all."). Of the questions in the training corpora nearly all are
  essay prompts labelled ``none``, and almost none is a counterargument;
* **enumerated reasons** ("First, … Second, … Third, …") that all support one claim,
  often announced by it ("… because they serve several purposes.");
* **several arguments in one text**. A microtext holds one tree, so a model trained on them
  learns that every objection attacks, and every reason supports, the text's first claim;
* **an objection taken up late**, in its own paragraph after the reasons, where a
  microtext raises it next to the claim.

Each rewrite turns a gold structure the corpora *do* hold into that surface form and keeps
the annotation consistent with the scheme: a counterargument that attacks becomes a
question with the same parent and label; a short denial inserted after it attacks it (a
``rebuttal``), and the rebuttals that answered the original objection now support the
denial (``premise``: a proponent unit that supports). Sibling premises of one parent get
enumeration openers in text order, and a list's parent before it may announce it. An
objection to a claim moves, with everything that answers it, behind the rest of the text.
Documents of one corpus are joined, each in its own paragraphs, into one document holding
their trees side by side. The rewrites are general English templates chosen at random;
nothing is keyed to any evaluation text. Documents are rewritten on the fly, per
epoch, with the probabilities in ``TrainingConfig.augment``; dev and test data never are.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping, Sequence

from argmine.document import Document, Relation, Unit
from argmine.schema import Label, RelationKind
from argmine.scoring.features import MARKER_CLASSES, announces, list_starts, marker_features

QUESTION_TEMPLATES: tuple[str, ...] = (
    "But isn't it true that {}?",
    "But isn't it the case that {}?",
    "Isn't it true that {}?",
    "But is it not so that {}?",
    "Yet doesn't it matter that {}?",
    "But what about the fact that {}?",
    "Couldn't one object that {}?",
    "Some will ask: isn't it so that {}?",
    "But doesn't the fact that {} count against this?",
    "And what if {}?",
)

DENIALS: tuple[str, ...] = (
    "Not at all.", "No.", "Hardly.", "Far from it.", "Not really.", "Of course not.",
    "Not so.", "That is not the case.", "By no means.", "Certainly not.", "No, it is not.",
    "Quite the opposite.",
)

ENUMERATIONS: tuple[tuple[str, ...], ...] = (
    ("First", "Second", "Third", "Fourth", "Fifth"),
    ("Firstly", "Secondly", "Thirdly", "Fourthly", "Fifthly"),
    ("First of all", "Second", "Third", "Fourth", "Fifth"),
    ("To begin with", "Second", "Third", "Moreover", "Finally"),
    ("For one", "For another", "Third", "Fourth", "Finally"),
)

# Cataphoric announcements put on the parent of an enumeration that precedes its items
# ("Talks are needed, for three reasons. First, …"); {} is the number of items or a
# vague quantity.
ANNOUNCEMENTS: tuple[str, ...] = (
    "{body}, for {count} reasons.",
    "{body}, and for {count} reasons.",
    "{body}, for the following reasons.",
    "{body}, because it serves {count} purposes.",
    "{body}; there are {count} reasons for this.",
    "{body}, in {count} ways.",
    "{body}, on {count} grounds.",
)
_COUNTS = ("several", "a number of", "many", "some", "{n}", "{n}", "{n}")
_NUMBERS = {2: "two", 3: "three", 4: "four", 5: "five"}

# Openers of a concession or report that make no sense inside "isn't it true that …".
_OPENERS = re.compile(
    r"^(?:admittedly|of course|granted|certainly|sure|yes|indeed|however|but|yet|still|and|"
    r"hence|thus|therefore|clearly|obviously|in conclusion|to conclude|moreover|furthermore|"
    r"in addition|besides|also|first|firstly|second|secondly|finally|"
    r"(?:it is|it's) (?:true|often said|said|argued|claimed) that|"
    r"(?:some|many|critics|opponents|others|one) (?:people )?"
    r"(?:say|says|argue|argues|claim|claims|believe|believes|might say|could say|"
    r"might argue|could argue|may argue|may say|would say|would argue|object|objects)"
    r"(?: that)?)\b[,:]?\s*",
    re.IGNORECASE,
)
# A subordinate clause ("Although X, Y") or a clause fragment ("and …", "unless …"; the
# microtexts' units are clauses) cannot follow "that" as one proposition.
_SUBORDINATE = re.compile(
    r"^(?:although|though|even though|even if|while|whereas|if|when|since|because|as|"
    r"unless|and|or|nor|that|which|who|so|then|than|for|to)\b",
    re.IGNORECASE,
)
_MAX_QUESTION_CHARS = 220


def _lower_first(text: str) -> str:
    """Lower-case the first word unless it looks like an acronym or the pronoun "I"."""
    word = text.split(" ", 1)[0]
    if word == "I" or word.startswith("I'") or (len(word) > 1 and word[1].isupper()):
        return text
    return text[:1].lower() + text[1:]


_NEGATED = {
    "is": "isn't", "are": "aren't", "was": "wasn't", "were": "weren't", "can": "can't",
    "could": "couldn't", "will": "won't", "would": "wouldn't", "should": "shouldn't",
    "must": "mustn't", "has": "hasn't", "have": "haven't", "had": "hadn't", "does": "doesn't",
    "do": "don't", "did": "didn't",
}
_MAX_SUBJECT_WORDS = 6


def inverted(body: str) -> str | None:
    """Ask a clause as a negative yes/no question by subject-auxiliary inversion.

    The subject is everything before the first auxiliary; it must be short and plain.

    Examples:
        >>> inverted("prisons are expensive")
        "aren't prisons expensive"
        >>> inverted("this will not work")
        'will this not work'
        >>> inverted("we pay taxes") is None
        True
    """
    words = body.split()
    for k, word in enumerate(words[: _MAX_SUBJECT_WORDS + 1]):
        aux = word.lower()
        if aux in _NEGATED:
            subject, rest = words[:k], words[k + 1 :]
            if (not subject or not rest or any(w.endswith((",", ";", ":")) for w in subject)
                    or subject[0].lower() in ("not", "no")):
                return None
            if rest[0].lower() == "not":
                return " ".join([aux, *subject, *rest])
            return " ".join([_NEGATED[aux], *subject, *rest])
    return None


def as_question(text: str, rng: random.Random) -> str | None:
    """Rewrite a declarative objection as a rhetorical question, or ``None`` if it won't go.

    Half the time (where the clause allows it) by inversion ("But aren't prisons
    expensive?"), otherwise by a template ("But isn't it true that prisons are expensive?").

    Examples:
        >>> q = as_question("Admittedly, prisons are expensive.", random.Random(0))
        >>> q.endswith("prisons are expensive?") and "dmittedly" not in q
        True
        >>> as_question("Although it rains, we go.", random.Random(0)) is None
        True
    """
    body = text.strip()
    if not body or body.endswith("?") or len(body) > _MAX_QUESTION_CHARS:
        return None
    for _ in range(2):  # "But admittedly, …" carries two openers
        body = _OPENERS.sub("", body, count=1).strip()
    body = body.rstrip(" .!;:,")
    if len(body.split()) < 3 or _SUBORDINATE.match(body) or not body[:1].isalpha():
        return None
    body = _lower_first(body)
    if rng.random() < 0.5:
        question = inverted(body)
        if question is not None:
            lead = ("But ", "Yet ", "And ", "")[rng.randrange(4)]
            return f"{lead}{question[:1].upper() if not lead else question[:1]}{question[1:]}?"
    template = QUESTION_TEMPLATES[rng.randrange(len(QUESTION_TEMPLATES))]
    return template.format(body)


def with_opener(text: str, opener: str) -> str:
    """Put an enumeration opener before a sentence: ``"First, the sky is blue."``."""
    body = text.strip()
    return f"{opener}, {_lower_first(body)}"


class _Draft:
    """A mutable copy of a document's units and links, rebuilt into a Document at the end."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        # Each entry: [text, label, paragraph, id]; links: child position -> (parent, kind).
        self.units = [[u.text, u.label, u.paragraph, u.id] for u in doc.units]
        self.links: dict[int, tuple[int, RelationKind]] = {
            r.source: (r.target, r.kind) for r in doc.relations
        }

    def children(self, target: int, kind: RelationKind | None = None) -> list[int]:
        return sorted(s for s, (t, k) in self.links.items()
                      if t == target and (kind is None or k is kind))

    def insert_after(self, position: int, text: str, label: Label) -> int:
        """Insert a unit after ``position``; every index above it moves up by one."""
        new = position + 1

        def shift(i: int) -> int:
            return i + 1 if i >= new else i

        self.units.insert(new, [text, label, self.units[position][2], None])
        self.links = {shift(s): (shift(t), k) for s, (t, k) in self.links.items()}
        return new

    def break_paragraphs_before(self, positions: Sequence[int]) -> None:
        """Start a new paragraph at each position; later units follow their opener."""
        starts = set(positions)
        paragraph, previous = -1, None
        for i, unit in enumerate(self.units):
            if i in starts or unit[2] != previous:
                paragraph += 1
            previous = unit[2]
            unit[2] = paragraph

    def build(self) -> Document:
        pieces: list[str] = []
        units: list[Unit] = []
        offset = 0
        previous_paragraph = None
        for i, (text, label, paragraph, uid) in enumerate(self.units):
            if pieces:
                sep = " " if paragraph == previous_paragraph else "\n"
                pieces.append(sep)
                offset += len(sep)
            units.append(Unit(i, text, offset, offset + len(text), label=label,
                              paragraph=paragraph, id=uid))
            pieces.append(text)
            offset += len(text)
            previous_paragraph = paragraph
        relations = tuple(Relation(s, t, k) for s, (t, k) in sorted(self.links.items()))
        # label_source maps each unit to a source unit of the original document (the
        # sentence view); units were inserted, moved or joined, so it no longer holds.
        meta = {k: v for k, v in self.doc.meta.items() if k != "label_source"}
        meta["augmented"] = True
        return Document(self.doc.id, "".join(pieces), tuple(units), relations, meta=meta)


def hypophora(doc: Document, rng: random.Random, *, denial_rate: float = 0.7) -> Document:
    """Turn one attacking counterargument into a question, often answered by a short denial.

    The question keeps the unit's parent, relation and label. With probability
    ``denial_rate`` a denial ("Not at all.", "No.", …) follows it as a ``rebuttal`` attacking
    it, and the rebuttals that attacked the objection from later in the text support the
    denial instead (their role stays proponent, so their label becomes ``premise``).
    Returns ``doc`` itself when it holds no counterargument that can be rewritten.
    """
    draft = _Draft(doc)
    candidates = [
        i for i, (text, label, _, _) in enumerate(draft.units)
        if label is Label.COUNTERARGUMENT and i in draft.links
        and draft.links[i][1] is RelationKind.ATTACK
    ]
    rng.shuffle(candidates)
    for i in candidates:
        question = as_question(draft.units[i][0], rng)
        if question is None:
            continue
        draft.units[i][0] = question
        if rng.random() < denial_rate:
            answers = [c for c in draft.children(i, RelationKind.ATTACK) if c > i]
            denial = draft.insert_after(i, DENIALS[rng.randrange(len(DENIALS))], Label.REBUTTAL)
            draft.links[denial] = (i, RelationKind.ATTACK)
            for c in answers:
                c += 1  # shifted by the insertion
                draft.links[c] = (denial, RelationKind.SUPPORT)
                draft.units[c][1] = Label.PREMISE
        return draft.build()
    return doc


def late_objection(doc: Document, rng: random.Random) -> Document:
    """Move one objection to a claim, with everything that answers it, to the end of the text.

    An essay or op-ed often states its claim, gives its reasons, and only then takes up an
    objection ("But isn't this …? Not at all. …") in a paragraph of its own; a microtext puts
    the objection next to the claim. The chosen counterargument attacks a root claim that
    keeps at least one other child; it and every unit below it move, in their order, behind
    the rest of the document as one new paragraph. Links, labels and roles are unchanged.
    Returns ``doc`` itself when no such objection exists.
    """
    draft = _Draft(doc)
    n = len(draft.units)
    candidates = [
        i for i, (t, k) in draft.links.items()
        if k is RelationKind.ATTACK and t not in draft.links
        and draft.units[i][1] is Label.COUNTERARGUMENT and len(draft.children(t)) > 1
    ]
    if not candidates:
        return doc
    moved = {candidates[rng.randrange(len(candidates))]}
    grew = True
    while grew:
        below = {s for s, (t, _) in draft.links.items() if t in moved} - moved
        moved |= below
        grew = bool(below)
    order = [i for i in range(n) if i not in moved] + sorted(moved)
    new_index = {old: new for new, old in enumerate(order)}
    last = max(u[2] for u in draft.units) + 1
    units = [draft.units[i] for i in order]
    for position in range(n - len(moved), n):
        units[position][2] = last
    draft.units = units
    draft.links = {new_index[s]: (new_index[t], k) for s, (t, k) in draft.links.items()}
    return draft.build()


def _opens_with_marker(text: str) -> bool:
    """Does the text open with a contrast, concession or enumeration marker?"""
    opens = dict(zip(MARKER_CLASSES, marker_features(text)))
    return any(opens[name] for name in ("contrast", "concession", "enumeration"))


def announced(text: str, n_items: int, rng: random.Random) -> str | None:
    """Add a cataphoric announcement of ``n_items`` reasons to a sentence, or ``None``.

    Examples:
        >>> announced("Talks are needed.", 3, random.Random(1))
        'Talks are needed; there are a number of reasons for this.'
        >>> announced("Are talks needed?", 3, random.Random(1)) is None
        True
    """
    body = text.strip()
    if not body or body[-1] in "?!:" or len(body.split()) < 3:
        return None
    count = _COUNTS[rng.randrange(len(_COUNTS))].format(n=_NUMBERS.get(n_items, "several"))
    template = ANNOUNCEMENTS[rng.randrange(len(ANNOUNCEMENTS))]
    return template.format(body=body.rstrip(" .;,"), count=count)


def enumeration(doc: Document, rng: random.Random, *, paragraph_rate: float = 0.5) -> Document:
    """Open the sibling premises of one parent with "First, … Second, …" in text order.

    Only a parent with two to five supporting premises, none of which already opens with a
    marker, is chosen. With probability ``paragraph_rate`` each enumerated premise also
    opens a new paragraph, as reasons often do in longer prose. Returns ``doc`` itself when
    there is no such parent.
    """
    draft = _Draft(doc)
    parents = sorted({t for t, _ in draft.links.values()})
    rng.shuffle(parents)
    for parent in parents:
        kids = [c for c in draft.children(parent, RelationKind.SUPPORT)
                if draft.units[c][1] is Label.PREMISE]
        if not 2 <= len(kids) <= 5:
            continue
        texts = [draft.units[c][0].strip() for c in kids]
        if any(not t[:1].isupper() or _SUBORDINATE.match(t) or _opens_with_marker(t)
               for t in texts):
            # a clause fragment, or already opening with a contrast, concession or
            # enumeration marker: an opener would stack on it
            continue
        style = ENUMERATIONS[rng.randrange(len(ENUMERATIONS))]
        for n, c in enumerate(kids):
            draft.units[c][0] = with_opener(draft.units[c][0], style[n])
        if rng.random() < paragraph_rate:
            draft.break_paragraphs_before(kids)
        return draft.build()
    return doc


def announcement(doc: Document, rng: random.Random) -> Document:
    """Let the parent of an ordinal list announce it ("…, for three reasons. First, …").

    The list's items (:func:`argmine.scoring.features.list_starts`; after ``enumeration`` or in the
    corpus) must all support one parent that comes before them and announces nothing yet.
    Returns ``doc`` itself when there is no such list.
    """
    draft = _Draft(doc)
    lists: dict[int, list[int]] = {}
    for i, start in enumerate(list_starts(doc.units)):
        if start is not None:
            lists.setdefault(start, []).append(i)
    for start, items in lists.items():
        links = {draft.links.get(i) for i in items}
        if len(items) < 2 or len(links) != 1 or None in links:
            continue
        parent, kind = links.pop()
        if kind is not RelationKind.SUPPORT or parent >= start or announces(doc.units[parent].text):
            continue
        text = announced(draft.units[parent][0], len(items), rng)
        if text is not None:
            draft.units[parent][0] = text
            return draft.build()
    return doc


def concatenate(docs: Sequence[Document]) -> Document:
    """Join documents into one, each starting a new paragraph; their trees stay apart."""
    draft = _Draft(docs[0])
    draft.units, draft.links = [], {}
    for doc in docs:
        base = len(draft.units)
        top = max((u[2] for u in draft.units), default=-1) + 1
        first = min((u.paragraph for u in doc.units), default=0)
        # unit ids are unique within a document only
        draft.units += [[u.text, u.label, top + u.paragraph - first,
                         None if u.id is None else f"{doc.id}:{u.id}"] for u in doc.units]
        draft.links.update({base + r.source: (base + r.target, r.kind) for r in doc.relations})
    draft.doc = docs[0].replace(id="+".join(d.id for d in docs))
    return draft.build()


def forest(docs: Sequence[Document], rng: random.Random, *, rate: float,
           max_parts: int = 3, max_units: int = 48) -> list[Document]:
    """Join documents of one corpus into multi-argument documents.

    Each document of at most ``max_units`` units starts, with probability ``rate``, a
    group of two to ``max_parts`` documents of its corpus: itself and the next ones of the
    same corpus in the list that are not yet taken, which :func:`concatenate` joins. Units
    and links are kept; only document boundaries go. Partners are looked for past other
    corpora's documents, so a mixed epoch joins essays too, not only its most frequent
    corpus: a model that only sees an argument at the start of a document learns to send
    far attacks to the document's first claim (in the AAE2 test essays, prefixing another
    essay halves the shipped model's probability for an attack on the major claim).
    """
    out: list[Document] = []
    taken = [False] * len(docs)
    for i, doc in enumerate(docs):
        if taken[i]:
            continue
        taken[i] = True
        group = [doc]
        if 0 < len(doc.units) <= max_units and rng.random() < rate:
            want = rng.randint(2, max_parts)
            corpus = doc.meta.get("corpus")
            for j in range(i + 1, len(docs)):
                if len(group) == want:
                    break
                other = docs[j]
                if (not taken[j] and other.meta.get("corpus") == corpus
                        and 0 < len(other.units) <= max_units):
                    taken[j] = True
                    group.append(other)
        out.append(concatenate(group) if len(group) > 1 else doc)
    return out


AUGMENTATIONS: Mapping[str, Callable[[Document, random.Random], Document]] = {
    "late_objection": late_objection,
    "hypophora": hypophora,
    "enumeration": enumeration,
    "announcement": announcement,
}
"""Rewrites of one document at a time, applied in this order."""

EPOCH_AUGMENTATIONS: Mapping[str, Callable[..., list[Document]]] = {"forest": forest}
"""Rewrites of an epoch's document list, applied after the per-document ones."""

REWRITES: tuple[str, ...] = (*AUGMENTATIONS, *EPOCH_AUGMENTATIONS)
"""Every rewrite name ``TrainingConfig.augment`` and ``--augment`` accept."""


def augment(doc: Document, rates: Mapping[str, float], rng: random.Random) -> Document:
    """Apply each named rewrite with its probability (in the fixed order of ``AUGMENTATIONS``).

    Examples:
        >>> doc = Document("d", "x", (Unit(0, "x", 0, 1, label=Label.CLAIM),))
        >>> augment(doc, {"hypophora": 1.0}, random.Random(0)) is doc
        True
    """
    for name, rewrite in AUGMENTATIONS.items():
        rate = rates.get(name, 0.0)
        if rate > 0 and rng.random() < rate:
            doc = rewrite(doc, rng)
    return doc


def check_rates(rates: Mapping[str, float]) -> list[str]:
    """Return the problems with an ``augment`` mapping (unknown names, rates outside [0, 1])."""
    problems = [f"unknown augmentation {name!r} (known: {', '.join(REWRITES)})"
                for name in rates if name not in REWRITES]
    problems += [f"rate of {name!r} must lie in [0, 1], got {rate}"
                 for name, rate in rates.items() if not 0 <= rate <= 1]
    return problems


def augment_epoch(docs: Sequence[Document], rates: Mapping[str, float],
                  rng: random.Random) -> list[Document]:
    """Rewrite an epoch's documents independently; the originals are left untouched."""
    if not rates:
        return list(docs)
    out = [augment(d, rates, rng) for d in docs]
    for name, rewrite in EPOCH_AUGMENTATIONS.items():
        if rates.get(name, 0.0) > 0:
            out = rewrite(out, rng, rate=rates[name])
    return out
