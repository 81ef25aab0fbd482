"""Scored units and links → a consistent argument forest (evidence-graph decoding).

After Peldszus & Stede (2015): every candidate link carries the evidence of the link, label
and kind classifiers; a maximum spanning arborescence (Eisner's algorithm for projective
forests, Chu-Liu/Edmonds for all) picks the best forest; labels follow from it by the
scheme's rule (:func:`argmine.schema.label_for`).

Objective. Over the units kept in the forest, with parent ``p``, kind ``k`` and the label
``L`` the scheme derives, :func:`decode` maximises (``z_i = 1 − max_j link_probs[i, j]``
estimates that ``i`` has no parent; roots are proponents, attack flips the role)::

    Σ_roots   link_weight·log z_i + label_weight·log P(claim_i) + root_bias
  + Σ_others  link_weight·log P(i→p) + kind_weight·log P(k | i→p) + label_weight·log P(L_i)

Search. A unit's label depends on its whole path to the root, so the decoder alternates
exact steps: (1) an arborescence below a virtual root (projective by default, see below),
each edge scored with the label and kind evidence marginalised over the parent's role (read
off ``label_probs``) and the kind; (2) a two-state (proponent/opponent) dynamic programme
that picks every kind optimally for that tree; (3) with the roles fixed every edge's kind
and label are known, so the exact arborescence is recomputed and (2) runs again, while the
objective improves. A second start from the roles ``label_probs`` prefer is refined alike;
the better forest wins. Units more likely ``none`` than anything a tree could offer them
are removed first.

Projectivity. Written argument rarely crosses its own links: a unit answers the last point
made or a point that point hangs under (the "right frontier" of discourse theory). Gold
trees agree (documents with a crossing link: AAE2 1.0%, CDCP 1.0%, web-discourse 2.2%,
microtexts 5.4%; AbstRCT 30%), and restricting the search to projective forests (Eisner's
algorithm) raised the shipped model's labelled attachment on the test data of every corpus,
AbstRCT included (README, section Decoding). ``projective=False`` searches all forests
(Chu-Liu/Edmonds), as do documents above ``projective_limit`` kept units, since Eisner's
algorithm is cubic.

Coordinate lists. The items of an ordinal list that gives each item its own paragraph
("First, … ¶ Second, … ¶ Third, …") are decoded as coordinate: each is a root, hangs
inside its own paragraph, or hangs under the parent the items share outside the list
(``coordinate`` in :func:`decode`; the evidence from the essays is given there).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from argmine.decoding.algorithms import cle_or_none, eisner_or_none, invalid

# Re-exported: long-document blocks were defined here first.
from argmine.decoding.blocks import FULL_LINK_UNITS, candidate_blocks  # noqa: F401
from argmine.decoding.label_set import label_set, restrict_labels
from argmine.schema import LABELS, Label, RelationKind, Role, label_for

_EPS = 1e-12  # floor for probabilities before taking logs: log(0) would veto an edge outright
_NEG = -np.inf
_WEAK_ROOT = 1e4  # the cost of a root under DecodingConfig.min_root_claim
_CLAIM, _PREMISE, _COUNTER, _REBUTTAL, _NONE = (LABELS.index(x) for x in (
    Label.CLAIM, Label.PREMISE, Label.COUNTERARGUMENT, Label.REBUTTAL, Label.NONE))
_P, _O = 0, 1  # role codes in the dynamic programme



@dataclass(frozen=True)
class DecodingConfig:
    """Settings of :func:`decode`; the weights scale the log-probability terms of its objective.

    Attributes:
        link_weight: Weight of ``log link_probs[i, j]`` for a link, and of ``log z_i`` (no
            parent) for a root.
        label_weight: Weight of the log probability of the label the tree implies.
        kind_weight: Weight of the log probability of the chosen kind (support or attack).
        root_bias: Added once per tree; negative values favour fewer, larger trees.
        none_threshold: Units whose ``none`` probability reaches it are excluded outright;
            so are units whose ``none`` option beats the best place a tree could offer.
        single_root: ``True``: exactly one tree over the kept units (as in the microtexts);
            ``False`` (the default): a forest, as many trees as the evidence supports;
            ``None``: one tree for a text of one paragraph, a forest for a longer one (in the
            five training corpora 1,087 of 1,229 one-paragraph documents hold at most one
            argument). ``None`` was measured as the default on development documents and
            lost to the forest on average: microtexts gained (decoded F1 .832 → .849), AbstRCT
            abstracts lost more (.557 → .505; benchmarks/README.md, "One tree or a forest").
        window: A unit's parent must lie within ``window`` positions of it, counted over the
            kept units (so a passage of ``none`` text does not cut an argument in two).
        refine_iterations: Rounds of refinement with the roles fixed (0: no refinement).
        projective: Only forests whose links do not cross (Eisner's algorithm); ``False``
            allows crossing links (Chu-Liu/Edmonds).
        projective_limit: Documents with more kept units than this are decoded without the
            projectivity constraint (Eisner's algorithm is cubic in the number of units).
        coordinate_lists: Decode the items of a paragraph-per-item ordinal list as
            coordinate (callers pass them to :func:`decode`; see ``coordinate`` there).
        min_root_claim: A unit whose claim probability is below this may be a root only at
            a prohibitive cost (it attaches, or is ``none``), except the unit of the document
            most likely to be a claim; ``None`` lets any unit be a root.
        labels: The labels a unit may take (``None``: all five); the others get probability
            0 (:mod:`argmine.decoding.label_set`). The four argumentative ones where every
            unit is known to be argumentative (gold argumentative units, as in the
            microtexts); must include ``claim``.

    Examples:
        >>> DecodingConfig(single_root=True, window=3).window
        3
    """

    # Chosen on development documents only, never on a test fold: the microtexts each
    # training set held out for early stopping (5 splits of iteration 0, 45 texts). Trusting
    # the label classifier 4x more than the links and 8x more than the kinds raised every
    # dev level over equal weights (ro .765 -> .808); see benchmarks/README.md.
    link_weight: float = 1.0
    label_weight: float = 4.0
    kind_weight: float = 0.5
    root_bias: float = 0.0
    none_threshold: float | None = None
    single_root: bool | None = False
    window: int | None = None
    refine_iterations: int = 2
    projective: bool = True
    projective_limit: int = 200
    coordinate_lists: bool = True
    # A floor, not a tuned weight: a tree's root is its claim, and a root the classifier
    # gives a claim probability of .07 was the first-use complaint (issue 18). Its effect on
    # the benchmark corpora is in benchmarks/README.md (Decoding).
    min_root_claim: float | None = 0.2
    labels: tuple[Label, ...] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "labels", label_set(self.labels, self.single_root))
        for name, low, high, expected in (
            ("link_weight", 0, np.inf, "a finite number >= 0"),
            ("label_weight", 0, np.inf, "a finite number >= 0"),
            ("kind_weight", 0, np.inf, "a finite number >= 0"),
            ("root_bias", -np.inf, np.inf, "a finite number"),
            ("none_threshold", 1e-300, 1, "None or a number in (0, 1]"),
            ("window", 1, np.inf, "None or an integer >= 1"),
            ("refine_iterations", 0, np.inf, "an integer >= 0"),
            ("projective_limit", 1, np.inf, "an integer >= 1"),
            ("min_root_claim", 0, 1, "None or a number in [0, 1]"),
        ):
            x = getattr(self, name)
            whole = name in ("window", "refine_iterations", "projective_limit")
            if x is None and name in ("none_threshold", "window", "min_root_claim"):
                continue
            if (isinstance(x, bool) or not isinstance(x, int if whole else (int, float))
                    or not (np.isfinite(x) and low <= x <= high)):
                raise invalid("DecodingConfig", name, expected, x)
        if not (self.single_root is None or isinstance(self.single_root, bool)):
            raise invalid("DecodingConfig", "single_root", "True, False or None",
                          self.single_root)
        for name in ("projective", "coordinate_lists"):
            if not isinstance(getattr(self, name), bool):
                raise invalid("DecodingConfig", name, "True or False", getattr(self, name))


@dataclass(frozen=True)
class Decoding:
    """A decoded forest over the units of one document.

    Attributes:
        parents: Parent unit of each unit; ``None`` for a root or a ``none`` unit.
        kinds: Kind of each unit's link to its parent; ``None`` where it has no parent.
        labels: Each unit's label, derived from the forest by the scheme's rule.
        roles: Each unit's role; ``None`` for units outside every tree.
        scores: Probability of each unit's decoded label, if known.
        link_scores: Probability of each decoded link and its kind, if known.
        objective: Value of the decoding objective (``nan`` when not decoded).

    Examples:
        >>> d = decode(np.eye(5)[[0, 2]], np.array([[0, .1], [.9, 0]]), np.full((2, 2), .8))
        >>> [x.value for x in d.labels], d.roots, d.kinds[1].value
        (['claim', 'counterargument'], (0,), 'attack')
    """

    parents: tuple[int | None, ...]
    kinds: tuple[RelationKind | None, ...]
    labels: tuple[Label, ...]
    roles: tuple[Role | None, ...]
    scores: tuple[float | None, ...]
    link_scores: tuple[float | None, ...] = ()
    objective: float = float("nan")

    @property
    def roots(self) -> tuple[int, ...]:
        """Indices of the roots (claims) of the trees, in text order."""
        return tuple(i for i, p in enumerate(self.parents)
                     if p is None and self.roles[i] is not None)


def _matrix(value: object, name: str, shape: tuple[int, int], mask_diagonal: bool) -> np.ndarray:
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise invalid("decode", name, "an array of probabilities", type(value).__name__) from None
    if array.shape != shape:
        raise invalid("decode", name, f"shape {shape}", f"shape {array.shape}")
    if mask_diagonal:  # the diagonal is meaningless: accept and ignore anything there
        np.fill_diagonal(array, 0.0)
    if not (np.isfinite(array).all() and array.min(initial=0) >= 0 and array.max(initial=0) <= 1):
        raise invalid("decode", name, "probabilities in [0, 1]", "values outside [0, 1] or NaN")
    return array


def _log(x: np.ndarray) -> np.ndarray:
    return np.log(np.clip(x, _EPS, 1.0))


def _arborescence(unit_edges: np.ndarray, root_edges: np.ndarray,
                  cfg: DecodingConfig) -> list[int] | None:
    """Parents over kept units (-1 for a root) maximising edge scores; None if none exists.

    The kept units hang below a virtual root; restrictions (-inf edges) may leave no forest.
    """
    m = len(root_edges)
    graph = np.full((m + 1, m + 1), _NEG)
    graph[1:, 1:] = unit_edges
    graph[1:, 0] = root_edges
    if cfg.single_root:
        # A penalty per root above any score difference between two arborescences: the best
        # forest with the fewest roots wins, one root as the kept units form a connected graph.
        finite = np.isfinite(graph)
        spread = np.where(finite, graph, _NEG).max(1) - np.where(finite, graph, np.inf).min(1)
        graph[1:, 0] -= np.where(finite.any(1), spread, 0.0).sum() + 1.0
    parents = cle_or_none(graph.copy(), 0)  # _cle contracts cycles in its argument
    if parents is None:
        return None
    # The best forest of all is also the best projective one if none of its links cross, so
    # Eisner (cubic) runs only when they do. Kept units stay in text order: positions in the
    # graph are positions in the text, the virtual root before them all.
    if cfg.projective and m <= cfg.projective_limit and _crosses(parents):
        parents = eisner_or_none(graph) or parents  # None: restrictions leave no projective forest
    return [p - 1 for p in parents[1:]]


def _crosses(parents: list[int]) -> bool:
    """Do two edges of a tree over positions 0..n-1 cross (the root's parent is -1)?"""
    child = np.arange(len(parents))
    parent = np.asarray(parents)
    keep = parent >= 0
    lo = np.minimum(child, parent)[keep]
    hi = np.maximum(child, parent)[keep]
    return bool(((lo[:, None] < lo[None, :]) & (lo[None, :] < hi[:, None])
                 & (hi[:, None] < hi[None, :])).any())


def _assign_roles(parents: list[int], root_edges: np.ndarray, edge_link: np.ndarray,
                  log_kind: np.ndarray, label_term: np.ndarray) -> tuple[list, list, float]:
    """Two-state DP: the kinds (hence roles, labels) maximising the objective for a forest."""
    m = len(parents)
    children: list[list[int]] = [[] for _ in range(m + 1)]  # children[-1]: the roots
    for c, p in enumerate(parents):
        children[p].append(c)
    roots, order = children[-1], []  # order: parents before children
    stack = list(roots)
    while stack:
        order.append(stack.pop())
        stack.extend(children[order[-1]])
    # label of a child for (parent role, kind): support keeps the role, attack flips it
    label_of = {(_P, 0): _PREMISE, (_P, 1): _COUNTER, (_O, 0): _COUNTER, (_O, 1): _REBUTTAL}
    sub = np.zeros((m, 2))  # best score of a subtree below a node, per role of that node
    choice = np.zeros((m, 2), dtype=int)  # best kind of a node's link, per role of its parent
    for v in reversed(order):
        p = parents[v]
        for rp in (_P, _O) if p >= 0 else ():
            options = [log_kind[v, p, k] + label_term[v, label_of[rp, k]]
                       + sub[v, rp if k == 0 else 1 - rp] for k in (0, 1)]
            k = int(np.argmax(options))
            choice[v, rp] = k
            sub[p, rp] += options[k] + edge_link[v, p]
    roles, kinds = [_P] * m, [-1] * m
    for v in order:
        p = parents[v]
        if p >= 0:
            kinds[v] = int(choice[v, roles[p]])
            roles[v] = roles[p] if kinds[v] == 0 else 1 - roles[p]
    return roles, kinds, float(sum(root_edges[r] + sub[r, _P] for r in roots))


def _refine(state: tuple, terms: tuple, allowed: np.ndarray, cfg: DecodingConfig,
            rounds: int) -> tuple:
    """Alternate exact steps from ``(parents, roles, kinds, objective)``; never worse."""
    roots, edge_link, log_kind, label_term = terms
    for _ in range(rounds):
        # Roles fixed: each edge's kind and the child's label are now determined.
        role = np.array(state[1])
        kind = (role[:, None] != role[None, :]).astype(int)
        lab = np.where(role[:, None] == _O, _COUNTER, np.where(kind == 0, _PREMISE, _REBUTTAL))
        exact = (edge_link + np.take_along_axis(log_kind, kind[..., None], axis=2)[..., 0]
                 + np.take_along_axis(label_term, lab, axis=1))
        roots_fixed = np.where(role == _P, roots, _NEG)
        candidate = _arborescence(np.where(allowed, exact, _NEG), roots_fixed, cfg)
        if candidate is None:
            break
        roles, kinds, total = _assign_roles(candidate, *terms)
        if total <= state[3] + 1e-9:
            break
        state = (candidate, roles, kinds, total)
    return state


def decode(label_probs: np.ndarray, link_probs: np.ndarray, attack_probs: np.ndarray,
           config: DecodingConfig | None = None, *, coordinate: Sequence[Sequence[int]] = (),
           paragraphs: Sequence[int] | None = None,
           candidates: np.ndarray | None = None) -> Decoding:
    """Turn label, link and attack probabilities into a consistent argument forest.

    Coordinate units (``coordinate``: the items of a list that opens one paragraph per item,
    "First, … Second, … Third, …", see :func:`argmine.scoring.features.coordinate_lists`) are
    decoded as coordinate: an item is a root, hangs inside its own paragraph or hangs under
    the one parent all items that leave their paragraphs share outside the list; never under
    another item or in another item's paragraph. In AAE2 (sentences, all essays) no item of
    such a list attaches to a sibling or into a sibling's paragraph (0 of 292), and two
    consecutive items that both attach outside their paragraphs share the parent in 76 of
    82 pairs.

    Args:
        label_probs: ``(n, 5)`` probabilities in the order of :data:`argmine.schema.LABELS`.
        link_probs: ``(n, n)``; ``[i, j]`` is the probability that unit ``i``'s parent is
            ``j`` (the diagonal is ignored; rows need not sum to 1).
        attack_probs: ``(n, n)``; ``[i, j]`` is the probability that a link ``i → j`` is an
            attack rather than a support.
        config: Weights and constraints; the defaults if ``None``.
        coordinate: Groups of coordinate unit indices, each in text order, one paragraph
            per item.
        paragraphs: The paragraph number of every unit; required with ``coordinate``. With
            ``single_root=None`` it decides between one tree and a forest (without it: a
            forest).
        candidates: ``(n, k)`` unit indices, ``candidates[i, c]`` the unit that column ``c``
            of ``link_probs`` and ``attack_probs`` stands for as parent of ``i`` (``-1``:
            none, padding); then those two arrays are ``(n, k)`` too and a unit's parent is
            one of its candidates. The document is decoded in independent segments, the
            shortest runs of units that no candidate link leaves, so with local candidates
            (:func:`candidate_blocks`, as long documents get them) memory and time grow
            linearly with ``n``. ``None``: every unit is a candidate parent of every other.

    Returns:
        The forest: every root a claim, every label given by the scheme's rule, units
        decoded ``none`` outside every tree.

    Raises:
        InputError: E301 if the arrays have the wrong shapes or hold non-probabilities, or
            ``coordinate`` names units that do not exist or comes without ``paragraphs``.

    Examples:
        >>> labels = np.array([[.8, .1, .05, .0, .05], [.1, .8, .05, .0, .05],
        ...                    [.1, .2, .6, .05, .05]])
        >>> links = np.array([[0, .1, .1], [.9, 0, .1], [.8, .1, 0]])
        >>> attacks = np.array([[0, .1, .1], [.1, 0, .1], [.9, .2, 0]])
        >>> d = decode(labels, links, attacks)
        >>> d.parents, [x.value for x in d.labels]
        ((None, 0, 0), ['claim', 'premise', 'counterargument'])
    """
    cfg = config if config is not None else DecodingConfig()
    if cfg.single_root is None:
        one = paragraphs is not None and len(set(paragraphs)) <= 1
        cfg = replace(cfg, single_root=one)
    try:
        n = len(label_probs)
    except TypeError:
        raise invalid("decode", "label_probs", "an (n, 5) array",
                      type(label_probs).__name__) from None
    q = restrict_labels(_matrix(label_probs, "label_probs", (n, len(LABELS)), False),
                        cfg.labels)
    groups = _check_groups(coordinate, paragraphs, n)
    if candidates is not None:
        return _decode_segments(q, link_probs, attack_probs, candidates, cfg, groups,
                                paragraphs)
    link = _matrix(link_probs, "link_probs", (n, n), True)
    attack = _matrix(attack_probs, "attack_probs", (n, n), True)
    return _decode_dense(q, link, attack, cfg, groups, paragraphs)


def _decode_dense(q: np.ndarray, link: np.ndarray, attack: np.ndarray, cfg: DecodingConfig,
                  groups: list[np.ndarray], paragraphs: Sequence[int] | None,
                  allowed: np.ndarray | None = None) -> Decoding:
    """Decode ``(n, n)`` evidence, parents restricted to ``allowed`` (``None``: all)."""
    n = len(q)
    evidence = _evidence(q, link, attack, cfg)
    best = _decode(evidence, cfg, allowed)
    if not groups:
        return best
    # Each list's shared parent: try its likeliest candidates, keep the best objective, go on
    # to the next list with it fixed. Exact per list given the others, not jointly.
    para = np.asarray(paragraphs)
    candidates = np.ones((n, n), dtype=bool) if allowed is None else allowed.copy()
    for items in groups:
        own = para[items][:, None] == para[None, :]
        region = (para >= para[items].min()) & (para <= para[items].max())
        outside = np.flatnonzero(~region)
        shared = evidence.log_link[np.ix_(items, outside)].sum(axis=0)
        home = candidates.copy()
        home[items] = own
        options = []
        for parent in outside[np.argsort(-shared, kind="stable")[:_COORDINATE_CANDIDATES]]:
            allowed = home.copy()
            allowed[items, parent] = True
            options.append(allowed)
        # with nothing outside the list, the items stay home (or are roots)
        decoded = [(_decode(evidence, cfg, c), c) for c in options or [home]]
        best, candidates = max(decoded, key=lambda d: d[0].objective)
    return best


_COORDINATE_CANDIDATES = 5  # shared parents tried per list, by the items' summed link evidence


def _segments(candidates: np.ndarray) -> list[tuple[int, int]]:
    """The shortest runs of units ``[s, e)`` that no candidate link enters or leaves."""
    n = len(candidates)
    idx = np.arange(n)
    valid = candidates >= 0
    lo = np.minimum(idx, np.where(valid, candidates, n).min(axis=1, initial=n))
    hi = np.maximum(idx, np.where(valid, candidates, -1).max(axis=1, initial=-1))
    # A cut before unit b is possible iff no unit's span [lo, hi] holds both b - 1 and b.
    covered = np.zeros(n + 1, dtype=np.int64)
    np.add.at(covered, lo + 1, 1)
    np.add.at(covered, hi + 1, -1)
    cuts = np.flatnonzero(np.cumsum(covered)[1:n] == 0) + 1
    bounds = [0, *cuts.tolist(), n]
    return list(zip(bounds[:-1], bounds[1:]))


def _decode_segments(q: np.ndarray, link_probs: object, attack_probs: object,
                     candidates: object, cfg: DecodingConfig, groups: list[np.ndarray],
                     paragraphs: Sequence[int] | None) -> Decoding:
    """Decode with per-unit candidate parents, one independent segment at a time.

    No candidate link crosses a segment's ends, so the best forest of the document is the
    best forest of each segment side by side (each tree lies in one segment; with
    ``single_root`` the fewest roots are one per segment either way).
    """
    n = len(q)
    try:
        cand = np.array(candidates, dtype=np.int64)
    except (TypeError, ValueError):
        raise invalid("decode", "candidates", "an (n, k) array of unit indices",
                   type(candidates).__name__) from None
    if cand.ndim != 2 or cand.shape[0] != n or ((cand < -1) | (cand >= n)).any():
        raise invalid("decode", "candidates", f"an ({n}, k) array of unit indices (-1: none)",
                   f"shape {cand.shape}")
    valid = cand >= 0
    link = np.where(valid, _matrix(link_probs, "link_probs", cand.shape, False), 0.0)
    attack = np.where(valid, _matrix(attack_probs, "attack_probs", cand.shape, False), 0.0)
    paragraph_list = None if paragraphs is None else list(paragraphs)
    parts = []
    for s, e in _segments(cand) if n else ():
        m = e - s
        rows, cols = np.nonzero(valid[s:e])
        parents = cand[s:e][rows, cols] - s
        dense_link, dense_attack = np.zeros((m, m)), np.zeros((m, m))
        dense_link[rows, parents] = link[s:e][rows, cols]
        dense_attack[rows, parents] = attack[s:e][rows, cols]
        np.fill_diagonal(dense_link, 0.0)  # as in the dense path: a unit is not its parent
        np.fill_diagonal(dense_attack, 0.0)
        allowed = np.zeros((m, m), dtype=bool)
        allowed[rows, parents] = True
        np.fill_diagonal(allowed, True)  # ignored: _decode never links a unit to itself
        local = []
        for g in groups:  # the items of a list inside this segment, as one list
            g = g[(g >= s) & (g < e)] - s
            if len(g) > 1:
                local.append(g)
        para = None if paragraph_list is None else paragraph_list[s:e]
        parts.append((s, _decode_dense(q[s:e], dense_link, dense_attack, cfg, local, para,
                                       None if allowed.all() else allowed)))
    return Decoding(
        tuple(None if p is None else p + s for s, d in parts for p in d.parents),
        tuple(k for _, d in parts for k in d.kinds),
        tuple(x for _, d in parts for x in d.labels),
        tuple(r for _, d in parts for r in d.roles),
        tuple(x for _, d in parts for x in d.scores),
        tuple(x for _, d in parts for x in d.link_scores),
        float(sum(d.objective for _, d in parts)))


def _check_groups(coordinate, paragraphs, n: int) -> list[np.ndarray]:
    groups = [np.asarray(list(g), dtype=np.int64) for g in coordinate]
    groups = [g for g in groups if len(g) > 1]
    if not groups:
        return []
    if paragraphs is None or len(paragraphs) != n:
        raise invalid("decode", "paragraphs", f"{n} paragraph numbers, one per unit", paragraphs)
    for g in groups:
        if g.min() < 0 or g.max() >= n or len(set(g.tolist())) != len(g):
            raise invalid("decode", "coordinate", f"groups of distinct unit indices in 0..{n - 1}",
                       g.tolist())
    return groups


class _Evidence(NamedTuple):
    """The decoder's score terms for one document; restrictions do not change them."""

    q: np.ndarray
    link: np.ndarray
    attack: np.ndarray
    log_link: np.ndarray
    label_term: np.ndarray
    log_kind: np.ndarray
    root_score: np.ndarray
    marginal: np.ndarray
    none_score: np.ndarray


def _evidence(q: np.ndarray, link: np.ndarray, attack: np.ndarray,
              cfg: DecodingConfig) -> _Evidence:
    """Log-probability terms of the objective, and kind-marginalised edge scores."""
    log_link, label_term = _log(link), cfg.label_weight * _log(q)
    log_kind = np.stack((_log(1.0 - attack), _log(attack)), axis=-1) * cfg.kind_weight
    log_z = _log(1.0 - link.max(axis=1, initial=0.0))
    root_score = cfg.link_weight * log_z + label_term[:, _CLAIM] + cfg.root_bias
    # Kind-marginalised edge scores; the parent's role is unknown yet, so its proponent
    # probability is read off its label distribution.
    argumentative = q[:, :_NONE].sum(axis=1)
    pi_p = _log((q[:, _CLAIM] + q[:, _PREMISE] + q[:, _REBUTTAL]) / np.maximum(argumentative, _EPS))
    pi_o = _log(q[:, _COUNTER] / np.maximum(argumentative, _EPS))
    sup, att = log_kind[..., 0], log_kind[..., 1]
    marginal = cfg.link_weight * log_link + np.logaddexp.reduce([
        pi_p[None, :] + sup + label_term[:, _PREMISE, None],
        pi_p[None, :] + att + label_term[:, _COUNTER, None],
        pi_o[None, :] + sup + label_term[:, _COUNTER, None],
        pi_o[None, :] + att + label_term[:, _REBUTTAL, None],
    ])
    np.fill_diagonal(marginal, _NEG)
    none_score = label_term[:, _NONE] + cfg.link_weight * log_z
    return _Evidence(q, link, attack, log_link, label_term, log_kind, root_score, marginal,
                     none_score)


def _floored_roots(q: np.ndarray, root_score: np.ndarray, units: np.ndarray,
                   cfg: DecodingConfig) -> np.ndarray:
    """Root scores of ``units`` with the cost of :attr:`DecodingConfig.min_root_claim`.

    The likeliest claim among ``units`` is spared, so a text whose every unit is doubtful
    still has a tree; the cost is finite, so a forest always exists (a unit with no allowed
    parent stays a root), but above any difference the log probabilities can make up.
    """
    scores = root_score[units]
    if cfg.min_root_claim is None or not len(units):
        return scores
    weak = q[units, _CLAIM] < cfg.min_root_claim
    weak[np.argmax(q[units, _CLAIM])] = False
    return np.where(weak, scores - _WEAK_ROOT, scores)


def _decode(ev: _Evidence, cfg: DecodingConfig, candidates: np.ndarray | None) -> Decoding:
    """Decode, each unit's parent among its ``candidates`` if given."""
    q, link, attack, log_link, label_term, log_kind, root_score, marginal, none_score = ev
    n = len(q)
    if candidates is not None:
        marginal = np.where(candidates, marginal, _NEG)
    floored = _floored_roots(q, root_score, np.arange(n), cfg)
    best_in_tree = np.maximum(floored, marginal.max(axis=1, initial=_NEG))
    excluded = (none_score > best_in_tree) | (q[:, _NONE] >= (cfg.none_threshold or np.inf))
    kept = np.flatnonzero(~excluded)
    m = len(kept)
    parents_k, roles_k, kinds_k, objective = [], [], [], 0.0
    if m:
        sub_idx, pos = np.ix_(kept, kept), np.arange(m)
        allowed = np.abs(pos[:, None] - pos[None, :]) <= (cfg.window or m)
        if candidates is not None:
            allowed &= candidates[sub_idx]
        np.fill_diagonal(allowed, False)
        roots_k = _floored_roots(q, root_score, kept, cfg)
        terms = (roots_k, cfg.link_weight * log_link[sub_idx], log_kind[sub_idx],
                 label_term[kept])
        parents_k = _arborescence(np.where(allowed, marginal[sub_idx], _NEG), terms[0], cfg)
        if parents_k is None:  # cannot happen: every kept unit may be a root
            raise RuntimeError("no forest over the kept units")
        state = (parents_k, *_assign_roles(parents_k, *terms))
        state = _refine(state, terms, allowed, cfg, cfg.refine_iterations)
        if cfg.refine_iterations:
            # A second start from the roles the label classifier prefers; keep the better.
            seed = (q[kept, _COUNTER] >= q[kept, :_NONE].max(axis=1)).astype(int)
            seed[np.argmax(q[kept, _CLAIM])] = _P  # a tree needs a proponent root
            other = _refine(([], seed.tolist(), [], _NEG), terms, allowed, cfg,
                            cfg.refine_iterations + 1)
            state = max(state, other, key=lambda s: s[3])
        parents_k, roles_k, kinds_k, objective = state
        # Report the objective in log probabilities: the floor's cost steered the search only.
        objective += _WEAK_ROOT * sum(1 for c, p in enumerate(parents_k)
                                      if p < 0 and roots_k[c] < root_score[kept[c]])
    parents: list[int | None] = [None] * n
    kinds: list[RelationKind | None] = [None] * n
    roles: list[Role | None] = [None] * n
    labels, link_scores = [Label.NONE] * n, [None] * n
    for c, (i, p) in enumerate(zip(kept.tolist(), parents_k)):
        roles[i] = (Role.PROPONENT, Role.OPPONENT)[roles_k[c]]
        if p >= 0:
            parents[i] = int(kept[p])
            kinds[i] = (RelationKind.SUPPORT, RelationKind.ATTACK)[kinds_k[c]]
            kind_prob = attack[i, kept[p]] if kinds_k[c] else 1 - attack[i, kept[p]]
            link_scores[i] = float(link[i, kept[p]] * kind_prob)
        labels[i] = label_for(roles[i], kinds[i], is_root=p < 0)
    scores = tuple(float(q[i, LABELS.index(lab)]) for i, lab in enumerate(labels))
    objective += float(none_score[excluded].sum())
    return Decoding(tuple(parents), tuple(kinds), tuple(labels), tuple(roles), scores,
                    tuple(link_scores), objective)
