"""Scored units and links → a consistent argument forest (evidence-graph decoding).

The decoder follows the evidence-graph model of Peldszus & Stede (2015): every candidate
link carries the evidence of the link, label and kind classifiers, and a maximum spanning
arborescence (Chu-Liu/Edmonds) picks the globally best tree. Roles and labels are then set
by the scheme's rule (:func:`argmine.schema.label_for`), so they always agree with the tree.

Objective. For the units kept in the forest, with parent ``p(i)``, kind ``k(i)``, role
``r(i)`` and the label ``L(i)`` that the scheme derives from them, :func:`decode` maximises::

    Σ_roots   link_weight·log z_i + label_weight·log P(claim_i) + root_bias
  + Σ_others  link_weight·log P(link i→p) + kind_weight·log P(k | i→p) + label_weight·log P(L(i))

where ``z_i = 1 − max_j link_probs[i, j]`` estimates that ``i`` has no parent. Roots are
proponents; support keeps the role of the target, attack flips it.

Search. Roles make exact joint decoding hard (a unit's label depends on its whole path to
the root), so the decoder works in three exact steps:

1. *Structure*: a maximum spanning arborescence over a virtual root, with each edge scored
   by the link evidence plus the label/kind evidence marginalised over the parent's role
   (its proponent probability is read off ``label_probs``) and the kind.
2. *Roles and kinds*: given the tree, a two-state (proponent/opponent) dynamic programme
   picks every edge's kind so that the objective is maximal exactly over the tree.
3. *Refinement*: with those roles fixed every edge's kind and label is known, so the
   arborescence is recomputed under the exact objective, and step 2 runs again. Each step
   cannot lower the objective; the best forest seen is returned.

Units that are more likely ``none`` than anything a tree could offer them are removed first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from argmine.document import ArgumentTree, Document, Relation
from argmine.errors import InputError
from argmine.schema import LABELS, Label, RelationKind, Role, label_for, labels_from_links

__all__ = ["Decoding", "DecodingConfig", "build_document", "chu_liu_edmonds", "decode"]

_EPS = 1e-12  # floor for probabilities before taking logs: log(0) would veto an edge outright
_NEG = -np.inf
_CLAIM, _PREMISE, _COUNTER, _REBUTTAL, _NONE = (LABELS.index(x) for x in (
    Label.CLAIM, Label.PREMISE, Label.COUNTERARGUMENT, Label.REBUTTAL, Label.NONE))
_P, _O = 0, 1  # role codes in the dynamic programme


# --------------------------------------------------------------------------- Chu-Liu/Edmonds


def chu_liu_edmonds(scores: np.ndarray, root: int = 0) -> list[int]:
    """Find the maximum spanning arborescence of a dense graph (Chu-Liu/Edmonds).

    All cycles of the greedy graph are contracted at once, so each round costs O(n²)
    vectorised work and a 2,000-node graph takes well under a second.

    Args:
        scores: Square matrix, ``scores[child, parent]`` the score of that edge and
            ``-inf`` for no edge. The diagonal and the root's row are ignored.
        root: The node every other node must be reachable from.

    Returns:
        The parent of every node, ``-1`` for ``root``.

    Raises:
        InputError: E301 if ``scores`` is not a square matrix of numbers without NaN or
            ``+inf``, ``root`` is out of range, or some node cannot be reached from ``root``.

    Examples:
        >>> s = np.array([[0, 0, 0], [5, 0, 1], [1, 9, 0]], dtype=float)
        >>> chu_liu_edmonds(s)
        [-1, 0, 1]
    """
    owner = "chu_liu_edmonds"
    try:
        matrix = np.array(scores, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError("E301", param="scores", owner=owner, expected="a numeric matrix",
                         value=type(scores).__name__) from None
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] == 0:
        raise InputError("E301", param="scores", owner=owner, expected="a non-empty square "
                         "matrix", value=f"shape {matrix.shape}")
    n = matrix.shape[0]
    if not (isinstance(root, (int, np.integer)) and 0 <= root < n):
        raise InputError("E301", param="root", owner=owner, expected=f"a node index in 0..{n - 1}",
                         value=root)
    np.fill_diagonal(matrix, _NEG)
    matrix[root, :] = _NEG
    if np.isnan(matrix).any() or np.isposinf(matrix).any():
        raise InputError("E301", param="scores", owner=owner, expected="free of NaN and +inf",
                         value="a matrix with NaN or +inf")
    parents = _cle(matrix, int(root))
    if parents is None:
        raise InputError("E301", param="scores", owner=owner, expected=f"a graph in which every "
                         f"node can be reached from node {root}", value="an unreachable node")
    return parents


def _find_cycles(parent: list[int]) -> list[list[int]]:
    """Return the cycles of a functional graph (each node has at most one parent)."""
    stamp = [-1] * len(parent)  # which start node's walk visited the node first
    cycles = []
    for start in range(len(parent)):
        v, path = start, []
        while v != -1 and stamp[v] == -1:
            stamp[v] = start
            path.append(v)
            v = parent[v]
        if v != -1 and stamp[v] == start:
            cycles.append(path[path.index(v):])
    return cycles


def _cle(matrix: np.ndarray, root: int) -> list[int] | None:
    """Contract one greedy cycle at a time, in place; ``None`` if some node is unreachable.

    A contracted cycle lives on in the matrix under one of its members (its representative),
    so a contraction costs O(k·n) for a cycle of k nodes rather than a rebuilt O(n²) matrix,
    and the whole search stays O(n²) plus O(n) per contraction.
    """
    n = matrix.shape[0]
    w = matrix  # w[child, parent] between active nodes; -inf elsewhere (owned: a fresh copy)
    cols = np.arange(n)
    # Original edge behind each entry: after contractions w[c, p] stands for dst → src.
    src = np.broadcast_to(cols, (n, n)).astype(np.int32)
    dst = src.T.copy()
    rep_of = cols.copy()  # original node → active node that stands for it
    best = w.argmax(axis=1)
    best[root] = -1
    reachable = np.isfinite(w[cols, np.maximum(best, 0)])
    reachable[root] = True
    if not reachable.all():
        return None
    history = []  # (members, their cycle edges, original nodes inside, member of each)
    pending = _find_cycles(best.tolist())
    on_pending = np.zeros(n, dtype=bool)  # a walk that reaches another cycle cannot return
    for cycle in pending:
        on_pending[cycle] = True
    while pending:
        cycle = np.array(pending.pop())
        on_pending[cycle] = False
        r = int(cycle[0])
        cycle_score = w[cycle, best[cycle]]
        internal = list(zip(dst[cycle, best[cycle]].tolist(), src[cycle, best[cycle]].tolist()))
        in_cycle = np.zeros(n, dtype=bool)
        in_cycle[cycle] = True
        inside = np.flatnonzero(in_cycle[rep_of])
        history.append((cycle.tolist(), internal, inside, rep_of[inside].copy()))
        # Entering the cycle at v replaces v's cycle edge, hence scores relative to it.
        adjusted = w[cycle, :] - cycle_score[:, None]
        enter = adjusted.argmax(axis=0)
        leave = w[:, cycle].argmax(axis=1)
        row, row_src, row_dst = (adjusted[enter, cols], src[cycle[enter], cols],
                                 dst[cycle[enter], cols])
        col, col_src, col_dst = (w[cols, cycle[leave]], src[cols, cycle[leave]],
                                 dst[cols, cycle[leave]])
        w[cycle, :] = _NEG
        w[:, cycle] = _NEG
        w[r, :], src[r, :], dst[r, :] = row, row_src, row_dst
        w[:, r], src[:, r], dst[:, r] = col, col_src, col_dst
        w[r, cycle] = _NEG
        w[cycle, r] = _NEG
        w[root, :] = _NEG
        rep_of[inside] = r
        # Nodes whose best parent lay in the cycle now prefer r (same score); only r's own
        # best parent is new, so a new cycle, if any, passes through r.
        best[in_cycle[best] & (best >= 0)] = r
        best[cycle] = -1
        best[r] = int(w[r].argmax())
        if not np.isfinite(w[r, best[r]]):
            return None
        path = [r]
        v = int(best[r])
        while v not in (-1, r) and not on_pending[v]:
            path.append(v)
            v = int(best[v])
        if v == r:
            pending.append(path)
            on_pending[path] = True
    active = np.flatnonzero(best >= 0)
    incoming = dict(zip(active.tolist(), zip(dst[active, best[active]].tolist(),
                                             src[active, best[active]].tolist())))
    for members, internal, inside, member_of in reversed(history):
        edge = incoming.pop(members[0])
        entry = int(member_of[np.searchsorted(inside, edge[0])])
        for member, cycle_edge in zip(members, internal):
            incoming[member] = edge if member == entry else cycle_edge
    parents = [-1] * n
    for child, (_d, s) in incoming.items():
        parents[child] = s
    return parents


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class DecodingConfig:
    """Settings of :func:`decode`; the weights scale the log-probability terms of its objective.

    Attributes:
        link_weight: Weight of ``log link_probs[i, j]`` for a chosen link, and of the log
            probability of having no parent for a root.
        label_weight: Weight of the log probability of the label the tree implies.
        kind_weight: Weight of the log probability of the chosen kind (support or attack).
        root_bias: Added once per tree; negative values favour fewer, larger trees.
        none_threshold: If set, units whose ``none`` probability reaches it are excluded
            outright. Units whose ``none`` option scores higher than the best place a tree
            could offer them are excluded in any case.
        single_root: Force exactly one tree over the units kept (as in the microtexts,
            where every text has one central claim).
        window: If set, a unit's parent must lie within ``window`` positions of it, counted
            over the units kept (so a passage of ``none`` text does not cut an argument).
        refine_iterations: Rounds of structure refinement with the roles fixed (0 keeps the
            first, marginalised, structure).

    Examples:
        >>> DecodingConfig(single_root=True, window=3).window
        3
    """

    link_weight: float = 1.0
    label_weight: float = 1.0
    kind_weight: float = 1.0
    root_bias: float = 0.0
    none_threshold: float | None = None
    single_root: bool = False
    window: int | None = None
    refine_iterations: int = 2

    def __post_init__(self) -> None:
        for name in ("link_weight", "label_weight", "kind_weight"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and np.isfinite(value) and value >= 0):
                raise InputError("E301", param=name, owner="DecodingConfig",
                                 expected="a finite number >= 0", value=value)
        if not (isinstance(self.root_bias, (int, float)) and np.isfinite(self.root_bias)):
            raise InputError("E301", param="root_bias", owner="DecodingConfig",
                             expected="a finite number", value=self.root_bias)
        t = self.none_threshold
        if t is not None and not (isinstance(t, (int, float)) and 0 < t <= 1):
            raise InputError("E301", param="none_threshold", owner="DecodingConfig",
                             expected="None or a number in (0, 1]", value=t)
        w = self.window
        if w is not None and not (isinstance(w, int) and not isinstance(w, bool) and w >= 1):
            raise InputError("E301", param="window", owner="DecodingConfig",
                             expected="None or an integer >= 1", value=w)
        r = self.refine_iterations
        if not (isinstance(r, int) and not isinstance(r, bool) and r >= 0):
            raise InputError("E301", param="refine_iterations", owner="DecodingConfig",
                             expected="an integer >= 0", value=r)


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
        >>> d = Decoding.from_parents([None, 0, 0], [None, "support", "attack"])
        >>> [x.value for x in d.labels], d.roots
        (['claim', 'premise', 'counterargument'], (0,))
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

    @classmethod
    def from_parents(
        cls,
        parents: Sequence[int | None],
        kinds: Sequence[RelationKind | str | None],
        *,
        isolated: Label = Label.NONE,
    ) -> Decoding:
        """Build a decoding from given links, deriving roles and labels by the scheme's rule.

        Args:
            parents: Parent of each unit, ``None`` for none.
            kinds: Kind of each unit's link (ignored where the parent is ``None``).
            isolated: Label of a unit in no link (``claim`` makes it a one-unit tree).

        Returns:
            The decoding, with unknown scores.

        Raises:
            InputError: E301 if the lists differ in length, a parent is out of range, or
                the links contain a cycle.
        """
        n = len(parents)
        owner = "Decoding.from_parents"
        if len(kinds) != n:
            raise InputError("E301", param="kinds", owner=owner, expected=f"{n} entries",
                             value=len(kinds))
        links = []
        for i, (p, k) in enumerate(zip(parents, kinds)):
            if p is None:
                continue
            if not (0 <= p < n and p != i) or k is None:
                raise InputError("E301", param="parents", owner=owner, expected="a parent index "
                                 "of another unit with a kind", value=(i, p, k))
            links.append((i, int(p), RelationKind(k)))
        try:
            derived = labels_from_links(n, links, isolated=isolated)
        except ValueError as exc:
            raise InputError("E301", param="parents", owner=owner, expected="a forest",
                             value=str(exc)) from None
        link_of = {i: (p, k) for i, p, k in links}
        return cls(
            parents=tuple(link_of[i][0] if i in link_of else None for i in range(n)),
            kinds=tuple(link_of[i][1] if i in link_of else None for i in range(n)),
            labels=tuple(lab for lab, _ in derived),
            roles=tuple(role for _, role in derived),
            scores=(None,) * n,
            link_scores=(None,) * n,
        )


# --------------------------------------------------------------------------- decoding


def _matrix(value: object, name: str, shape: tuple[int, int], mask_diagonal: bool) -> np.ndarray:
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError("E301", param=name, owner="decode", expected="an array of "
                         "probabilities", value=type(value).__name__) from None
    if array.shape != shape:
        raise InputError("E301", param=name, owner="decode", expected=f"shape {shape}",
                         value=f"shape {array.shape}")
    if mask_diagonal:  # the diagonal is meaningless: accept and ignore anything there
        np.fill_diagonal(array, 0.0)
    if not (np.isfinite(array).all() and array.min(initial=0) >= 0 and array.max(initial=0) <= 1):
        raise InputError("E301", param=name, owner="decode", expected="probabilities in [0, 1]",
                         value="values outside [0, 1] or NaN")
    return array


def _log(x: np.ndarray) -> np.ndarray:
    return np.log(np.clip(x, _EPS, 1.0))


def _single_root_penalty(graph: np.ndarray) -> float:
    # Larger than any difference between two arborescences, so the penalised optimum is the
    # best tree among those with the fewest roots (one, since the units form a connected graph).
    finite = np.isfinite(graph)
    high = np.where(finite, graph, -np.inf).max(axis=1, initial=-np.inf)
    low = np.where(finite, graph, np.inf).min(axis=1, initial=np.inf)
    return float(np.where(finite.any(axis=1), high - low, 0.0).sum()) + 1.0


def _arborescence(unit_edges: np.ndarray, root_edges: np.ndarray, cfg: DecodingConfig) -> list[int]:
    """Parents over kept units (-1 for a root) maximising edge scores, via a virtual root."""
    m = len(root_edges)
    graph = np.full((m + 1, m + 1), _NEG)
    graph[1:, 1:] = unit_edges
    graph[1:, 0] = root_edges
    if cfg.single_root:
        graph[1:, 0] -= _single_root_penalty(graph[1:])
    parents = _cle(graph, 0)
    if parents is None:  # cannot happen: the kept units form a connected graph below a root
        raise RuntimeError("no arborescence over the kept units")
    return [p - 1 for p in parents[1:]]


def _assign_roles(parents: list[int], root_edges: np.ndarray, edge_link: np.ndarray,
                  log_kind: np.ndarray, label_term: np.ndarray) -> tuple[list, list, float]:
    """Two-state DP: the kinds and roles maximising the objective for a fixed forest.

    ``log_kind[c, p, k]`` and ``label_term[c, l]`` are weighted log-probabilities; a child's
    role follows from its parent's role and its kind, and its label from the scheme's rule.
    """
    m = len(parents)
    children: list[list[int]] = [[] for _ in range(m)]
    roots = []
    for c, p in enumerate(parents):
        (roots if p < 0 else children[p]).append(c)
    order = []  # parents before children
    stack = list(roots)
    while stack:
        v = stack.pop()
        order.append(v)
        stack.extend(children[v])
    # label of a child for (parent role, kind): support keeps the role, attack flips it
    label_of = {(_P, 0): _PREMISE, (_P, 1): _COUNTER, (_O, 0): _COUNTER, (_O, 1): _REBUTTAL}
    sub = np.zeros((m, 2))  # best score of a subtree below a node, per role of that node
    choice = np.zeros((m, 2), dtype=int)  # best kind of a node's link, per role of its parent
    for v in reversed(order):
        p = parents[v]
        if p < 0:
            continue
        for rp in (_P, _O):
            options = [log_kind[v, p, k] + label_term[v, label_of[rp, k]]
                       + sub[v, rp if k == 0 else 1 - rp] for k in (0, 1)]
            k = int(np.argmax(options))
            choice[v, rp] = k
            sub[p, rp] += options[k] + edge_link[v, p]
    roles = [_P] * m
    kinds = [-1] * m
    for v in order:
        p = parents[v]
        if p >= 0:
            kinds[v] = int(choice[v, roles[p]])
            roles[v] = roles[p] if kinds[v] == 0 else 1 - roles[p]
    total = float(sum(root_edges[r] + sub[r, _P] for r in roots))
    return roles, kinds, total


def decode(
    label_probs: np.ndarray,
    link_probs: np.ndarray,
    attack_probs: np.ndarray,
    config: DecodingConfig | None = None,
) -> Decoding:
    """Turn label, link and attack probabilities into a consistent argument forest.

    See the module docstring for the objective and the search.

    Args:
        label_probs: ``(n, 5)`` probabilities in the order of :data:`argmine.schema.LABELS`.
        link_probs: ``(n, n)``; ``[i, j]`` is the probability that unit ``i``'s parent is
            ``j`` (the diagonal is ignored; rows need not sum to 1).
        attack_probs: ``(n, n)``; ``[i, j]`` is the probability that a link ``i → j`` is an
            attack rather than a support.
        config: Weights and constraints; the defaults if ``None``.

    Returns:
        The forest: every root a claim, every label given by the scheme's rule, units
        decoded ``none`` outside every tree.

    Raises:
        InputError: E301 if the arrays have the wrong shapes or hold non-probabilities.

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
    try:
        n = len(label_probs)
    except TypeError:
        raise InputError("E301", param="label_probs", owner="decode", expected="an (n, 5) array",
                         value=type(label_probs).__name__) from None
    q = _matrix(label_probs, "label_probs", (n, len(LABELS)), False)
    link = _matrix(link_probs, "link_probs", (n, n), True)
    attack = _matrix(attack_probs, "attack_probs", (n, n), True)
    logq = _log(q)
    log_link = _log(link)
    log_kind = np.stack((_log(1.0 - attack), _log(attack)), axis=-1) * cfg.kind_weight
    label_term = cfg.label_weight * logq
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
    best_in_tree = np.maximum(root_score, marginal.max(axis=1, initial=_NEG))
    excluded = none_score > best_in_tree
    if cfg.none_threshold is not None:
        excluded |= q[:, _NONE] >= cfg.none_threshold
    kept = np.flatnonzero(~excluded)
    m = len(kept)

    parents_k: list[int] = []
    roles_k: list[int] = []
    kinds_k: list[int] = []
    objective = 0.0
    if m:
        sub_idx = np.ix_(kept, kept)
        allowed = np.ones((m, m), dtype=bool)
        if cfg.window is not None:
            pos = np.arange(m)
            allowed = np.abs(pos[:, None] - pos[None, :]) <= cfg.window
        np.fill_diagonal(allowed, False)
        roots_k = root_score[kept]
        edge_link = cfg.link_weight * log_link[sub_idx]
        kind_k = log_kind[sub_idx]
        label_k = label_term[kept]
        parents_k = _arborescence(np.where(allowed, marginal[sub_idx], _NEG), roots_k, cfg)
        roles_k, kinds_k, objective = _assign_roles(parents_k, roots_k, edge_link, kind_k, label_k)
        for _ in range(cfg.refine_iterations):
            # Roles fixed: each edge's kind and the child's label are now determined.
            role = np.array(roles_k)
            kind = (role[:, None] != role[None, :]).astype(int)
            lab = np.where(role[:, None] == _O, _COUNTER, np.where(kind == 0, _PREMISE, _REBUTTAL))
            exact = (edge_link + np.take_along_axis(kind_k, kind[..., None], axis=2)[..., 0]
                     + np.take_along_axis(label_k, lab, axis=1))
            roots_fixed = np.where(role == _P, roots_k, _NEG)
            candidate = _arborescence(np.where(allowed, exact, _NEG), roots_fixed, cfg)
            roles_c, kinds_c, total = _assign_roles(candidate, roots_k, edge_link, kind_k, label_k)
            if total <= objective + 1e-9:
                break
            parents_k, roles_k, kinds_k, objective = candidate, roles_c, kinds_c, total

    parents: list[int | None] = [None] * n
    kinds: list[RelationKind | None] = [None] * n
    roles: list[Role | None] = [None] * n
    labels = [Label.NONE] * n
    link_scores: list[float | None] = [None] * n
    role_enum = (Role.PROPONENT, Role.OPPONENT)
    kind_enum = (RelationKind.SUPPORT, RelationKind.ATTACK)
    for c, unit in enumerate(kept.tolist()):
        p = parents_k[c]
        roles[unit] = role_enum[roles_k[c]]
        if p >= 0:
            parents[unit] = int(kept[p])
            kinds[unit] = kind_enum[kinds_k[c]]
            pa = attack[unit, parents[unit]]
            link_scores[unit] = float(link[unit, parents[unit]] * (pa if kinds_k[c] else 1 - pa))
        labels[unit] = label_for(roles[unit], kinds[unit], is_root=p < 0)
    scores = tuple(float(q[i, LABELS.index(lab)]) for i, lab in enumerate(labels))
    objective += float(none_score[excluded].sum())
    return Decoding(tuple(parents), tuple(kinds), tuple(labels), tuple(roles), scores,
                    tuple(link_scores), objective)


# --------------------------------------------------------------------------- documents


def _check_decoding(decoding: Decoding, n: int) -> list[int]:
    """Validate a decoding against ``n`` units; return the root of every unit (-1 if none)."""
    owner = "build_document"
    for name in ("parents", "kinds", "labels", "roles", "scores"):
        if len(getattr(decoding, name)) != n:
            raise InputError("E301", param=f"decoding.{name}", owner=owner,
                             expected=f"{n} entries, one per unit of the document",
                             value=len(getattr(decoding, name)))
    root_of = [-1] * n
    for i in range(n):
        path, v = [], i
        while decoding.parents[v] is not None and root_of[v] < 0:
            path.append(v)
            v = decoding.parents[v]
            if not (isinstance(v, (int, np.integer)) and 0 <= v < n) or len(path) > n:
                raise InputError("E301", param="decoding.parents", owner=owner,
                                 expected="a forest of unit indices", value=decoding.parents)
        top = root_of[v] if root_of[v] >= 0 else v
        for u in [*path, v]:
            root_of[u] = top
    return [r if decoding.roles[r] is not None else -1 for r in root_of]


def build_document(
    doc: Document, decoding: Decoding, *, link_scores: np.ndarray | None = None
) -> Document:
    """Write a decoding into a copy of the document: labels, roles, relations and trees.

    Args:
        doc: The document whose units were decoded.
        decoding: The output of :func:`decode` (or :meth:`Decoding.from_parents`).
        link_scores: Optional ``(n, n)`` matrix; ``link_scores[i, j]`` becomes the score of
            a decoded relation ``i → j`` (default: the decoding's own link scores).

    Returns:
        A new document with one :class:`ArgumentTree` per root, nodes in text order.

    Raises:
        InputError: E301 if the decoding or ``link_scores`` does not match the document.

    Examples:
        >>> from argmine.document import Unit
        >>> doc = Document("d", "A. B.", (Unit(0, "A.", 0, 2), Unit(1, "B.", 3, 5)))
        >>> out = build_document(doc, Decoding.from_parents([None, 0], [None, "attack"]))
        >>> out.trees[0].summary()
        'A. — 1 counterargument'
    """
    n = len(doc.units)
    root_of = _check_decoding(decoding, n)
    if link_scores is not None:
        link_scores = np.asarray(link_scores, dtype=np.float64)
        if link_scores.shape != (n, n):
            raise InputError("E301", param="link_scores", owner="build_document",
                             expected=f"shape {(n, n)}", value=f"shape {link_scores.shape}")
    units = []
    for i, unit in enumerate(doc.units):
        label = decoding.labels[i]
        score = decoding.scores[i]
        if unit.scores is not None and label.value in unit.scores:
            score = float(unit.scores[label.value])
        units.append(replace(unit, label=label, role=decoding.roles[i], score=score))
    relations = []
    for i, p in enumerate(decoding.parents):
        if p is None:
            continue
        kind = decoding.kinds[i]
        if kind is None:
            raise InputError("E301", param="decoding.kinds", owner="build_document",
                             expected="a kind for every link", value=(i, p, kind))
        if link_scores is not None:
            score = float(link_scores[i, p])
        else:
            score = decoding.link_scores[i] if i < len(decoding.link_scores) else None
        relations.append(Relation(i, p, RelationKind(kind), score))
    trees = []
    for r in sorted(set(root_of) - {-1}):
        nodes = tuple(u for u in units if root_of[u.index] == r)
        edges = tuple(e for e in relations if root_of[e.source] == r)
        trees.append(ArgumentTree(units[r], nodes, edges))
    return doc.replace(units=tuple(units), relations=tuple(relations), trees=tuple(trees))
