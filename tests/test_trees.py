"""Tests for argmine/trees.py: Chu-Liu/Edmonds, the forest decoder and build_document."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from argmine.decoding.algorithms import chu_liu_edmonds, eisner
from argmine.decoding.build import build_document
from argmine.decoding.objective import Decoding, DecodingConfig, decode
from argmine.document import Document, Unit
from argmine.errors import InputError
from argmine.schema import LABELS, Label, RelationKind, Role, label_for

C, P, CA, R, N = (LABELS.index(x) for x in (
    Label.CLAIM, Label.PREMISE, Label.COUNTERARGUMENT, Label.REBUTTAL, Label.NONE))


# --------------------------------------------------------------------------- helpers


def _is_arborescence(parents: list[int], root: int) -> bool:
    n = len(parents)
    if parents[root] != -1 or any(p == -1 for i, p in enumerate(parents) if i != root):
        return False
    for i in range(n):
        v, steps = i, 0
        while v != root:
            v, steps = parents[v], steps + 1
            if steps > n:
                return False
    return True


def _brute_force(scores: np.ndarray, root: int = 0, *, projective: bool = False) -> float | None:
    n = len(scores)
    others = [i for i in range(n) if i != root]
    best = None
    for choice in itertools.product(range(n), repeat=len(others)):
        parents = [-1] * n
        for i, p in zip(others, choice):
            parents[i] = p
        if any(p == i or not np.isfinite(scores[i, p]) for i, p in zip(others, choice)):
            continue
        if projective and _crossing([None if p < 0 else p for p in parents], root_position=0):
            continue
        if _is_arborescence(parents, root):
            total = sum(scores[i, parents[i]] for i in others)
            best = total if best is None else max(best, total)
    return best


def _crossing(parents: list[int | None], root_position: int = -1) -> bool:
    """Do two links cross? Roots hang under a virtual root before every unit."""
    arcs = [(min(c, root_position if p is None else p), max(c, root_position if p is None else p))
            for c, p in enumerate(parents)]
    return any(a < c < b < e for a, b in arcs for c, e in arcs)


def _objective(d: Decoding, q, link, attack, cfg: DecodingConfig) -> float:
    """The decoder's objective, recomputed independently from the module docstring."""
    lg = lambda x: float(np.log(np.clip(x, 1e-12, 1.0)))  # noqa: E731
    link = np.array(link, dtype=float)
    np.fill_diagonal(link, 0.0)
    z = 1.0 - link.max(axis=1, initial=0.0)
    total = 0.0
    for i, lab in enumerate(d.labels):
        if lab is Label.NONE:
            total += cfg.label_weight * lg(q[i, N]) + cfg.link_weight * lg(z[i])
        elif d.parents[i] is None:
            total += cfg.link_weight * lg(z[i]) + cfg.label_weight * lg(q[i, C]) + cfg.root_bias
        else:
            j = d.parents[i]
            pk = attack[i, j] if d.kinds[i] is RelationKind.ATTACK else 1 - attack[i, j]
            total += (cfg.link_weight * lg(link[i, j]) + cfg.kind_weight * lg(pk)
                      + cfg.label_weight * lg(q[i, LABELS.index(lab)]))
    return total


def _check_forest(d: Decoding, n: int) -> None:
    """Every structural promise of decode(): a forest whose labels follow the scheme."""
    assert len(d.parents) == len(d.kinds) == len(d.labels) == len(d.roles) == len(d.scores) == n
    for i in range(n):
        v, steps = i, 0
        while d.parents[v] is not None:
            v, steps = d.parents[v], steps + 1
            assert steps <= n, "cycle"
        if d.labels[i] is Label.NONE:
            assert d.parents[i] is None and d.roles[i] is None and d.kinds[i] is None
            assert i not in d.parents, "a none unit has a child"
            continue
        assert d.labels[v] is Label.CLAIM and d.roles[v] is Role.PROPONENT  # root of its tree
        is_root = d.parents[i] is None
        assert (d.kinds[i] is None) == is_root
        assert d.labels[i] is label_for(d.roles[i], d.kinds[i], is_root=is_root)
        if not is_root:
            parent_role = d.roles[d.parents[i]]
            expected = parent_role if d.kinds[i] is RelationKind.SUPPORT else parent_role.flipped()
            assert d.roles[i] is expected
            assert d.parents[i] != i and d.labels[d.parents[i]] is not Label.NONE
    assert d.roots == tuple(i for i in range(n) if d.labels[i] is Label.CLAIM)


def _probs(draw, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    unit = st.floats(0.0, 1.0, allow_nan=False)
    labels = draw(arrays(np.float64, (n, 5), elements=unit))
    sums = labels.sum(axis=1, keepdims=True)
    labels = np.where(sums > 0, labels / np.where(sums > 0, sums, 1), 0.2)
    links = draw(arrays(np.float64, (n, n), elements=unit))
    attacks = draw(arrays(np.float64, (n, n), elements=unit))
    return labels, links, attacks


@st.composite
def problems(draw, max_n: int = 7):
    n = draw(st.integers(1, max_n))
    return _probs(draw, n)


def _doc(n: int) -> Document:
    words = [f"U{i}." for i in range(n)]
    text = " ".join(words)
    units, start = [], 0
    for i, w in enumerate(words):
        units.append(Unit(i, w, start, start + len(w)))
        start += len(w) + 1
    return Document("d", text, tuple(units))


# --------------------------------------------------------------------------- Chu-Liu/Edmonds


def _random_graph(seed: int) -> tuple[np.random.Generator, np.ndarray]:
    """1-6 nodes, normal edge scores, 30% of the edges missing."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 7))
    scores = rng.normal(size=(n, n))
    scores[rng.random((n, n)) < 0.3] = -np.inf
    return rng, scores


@pytest.mark.parametrize("seed", range(150))
def test_trees_cle_matches_brute_force(seed):
    rng, scores = _random_graph(seed)
    n = len(scores)
    root = int(rng.integers(n))
    best = _brute_force(scores, root)
    if best is None:
        with pytest.raises(InputError) as err:
            chu_liu_edmonds(scores, root)
        assert err.value.code == "E301"
        return
    parents = chu_liu_edmonds(scores, root)
    assert _is_arborescence(parents, root)
    total = sum(scores[i, parents[i]] for i in range(n) if i != root)
    assert total == pytest.approx(best)


def test_trees_cle_ties_and_integer_scores():
    scores = np.ones((5, 5))
    parents = chu_liu_edmonds(scores)
    assert _is_arborescence(parents, 0)


def test_trees_cle_nested_cycles():
    # 1 and 2 prefer each other, 3 and 4 too, and the pair {1,2} prefers {3,4}: the
    # contracted cycles contract again.
    s = np.full((5, 5), -np.inf)
    s[1, 2], s[2, 1], s[3, 4], s[4, 3] = 10, 10, 10, 10
    s[1, 3], s[3, 1], s[4, 0], s[2, 0] = 5, 5, 1, 0
    parents = chu_liu_edmonds(s)
    assert _is_arborescence(parents, 0)
    assert sum(s[i, parents[i]] for i in range(1, 5)) == pytest.approx(_brute_force(s))


@pytest.mark.parametrize("bad", [np.zeros((2, 3)), np.zeros(3), np.array([[0, 1], [np.nan, 0]]),
                                 np.array([[0, 1], [np.inf, 0]]), [["a", "b"], ["c", "d"]]])
def test_trees_cle_rejects_bad_matrices(bad):
    with pytest.raises(InputError) as err:
        chu_liu_edmonds(bad)
    assert err.value.code == "E301"


def test_trees_cle_rejects_bad_root():
    with pytest.raises(InputError) as err:
        chu_liu_edmonds(np.zeros((3, 3)), root=3)
    assert err.value.code == "E301"


def test_trees_cle_is_fast_on_2000_nodes():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(2000, 2000))
    start = time.perf_counter()
    parents = chu_liu_edmonds(scores)
    assert time.perf_counter() - start < 10
    assert _is_arborescence(parents, 0)


# --------------------------------------------------------------------------- Eisner


@pytest.mark.parametrize("seed", range(150))
def test_trees_eisner_matches_brute_force_over_projective_trees(seed):
    _, scores = _random_graph(seed)
    n = len(scores)
    best = _brute_force(scores, projective=True)
    if best is None:
        with pytest.raises(InputError) as err:
            eisner(scores)
        assert err.value.code == "E301"
        return
    parents = eisner(scores)
    assert _is_arborescence(parents, 0)
    assert not _crossing([None if p < 0 else p for p in parents], root_position=0)
    assert sum(scores[i, parents[i]] for i in range(1, n)) == pytest.approx(best)


def test_trees_eisner_gives_up_a_crossing_link_that_chu_liu_edmonds_keeps():
    s = np.full((4, 4), -np.inf)
    s[1, 0], s[2, 0], s[3, 0], s[3, 1], s[2, 1] = 0.0, 0.0, 1.0, 5.0, -1.0
    assert chu_liu_edmonds(s) == [-1, 0, 0, 1]  # 0 → 2 crosses 1 → 3
    assert eisner(s) == [-1, 0, 1, 1]


@pytest.mark.parametrize("bad", [np.zeros((2, 3)), np.zeros(3), np.array([[0, 1], [np.nan, 0]]),
                                 [["a", "b"], ["c", "d"]]])
def test_trees_eisner_rejects_bad_matrices(bad):
    with pytest.raises(InputError) as err:
        eisner(bad)
    assert err.value.code == "E301"


# --------------------------------------------------------------------------- decode: properties


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.booleans(), st.sampled_from([None, 1, 2]))
def test_trees_decode_always_returns_a_consistent_forest(problem, single_root, window):
    q, link, attack = problem
    cfg = DecodingConfig(single_root=single_root, window=window)
    d = decode(q, link, attack, cfg)
    n = len(q)
    _check_forest(d, n)
    assert d.objective == pytest.approx(_objective(d, q, link, attack, cfg), abs=1e-6)
    kept = [i for i in range(n) if d.labels[i] is not Label.NONE]
    if single_root and kept:
        assert len(d.roots) == 1
    if window is not None:
        position = {unit: k for k, unit in enumerate(kept)}
        for i in kept:
            if d.parents[i] is not None:
                assert abs(position[i] - position[d.parents[i]]) <= window


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.booleans())
def test_trees_decode_projective_forests_have_no_crossing_links(problem, single_root):
    q, link, attack = problem
    d = decode(q, link, attack, DecodingConfig(single_root=single_root))
    kept = [i for i in range(len(q)) if d.labels[i] is not Label.NONE]
    position = {unit: k for k, unit in enumerate(kept)}
    assert not _crossing([None if d.parents[i] is None else position[d.parents[i]]
                          for i in kept])


def test_trees_decode_projectivity_can_be_switched_off_and_has_a_size_limit():
    # 0 claim; 2 belongs under 0 and 1 under 3, which crosses.
    q = np.array([[.9, .02, .02, .02, .04], [.02, .9, .02, .02, .04],
                  [.02, .9, .02, .02, .04], [.02, .9, .02, .02, .04]])
    link = np.full((4, 4), 0.01)
    link[1, 3], link[2, 0], link[3, 0] = 0.95, 0.95, 0.6
    attack = np.zeros((4, 4))
    free = decode(q, link, attack, DecodingConfig(projective=False))
    assert free.parents == (None, 3, 0, 0)
    projective = decode(q, link, attack)
    assert projective.parents != free.parents
    assert not _crossing(list(projective.parents))
    assert decode(q, link, attack, DecodingConfig(projective_limit=3)).parents == free.parents


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.data())
def test_trees_decode_coordinate_items_share_a_parent_or_stay_home(problem, data):
    q, link, attack = problem
    n = len(q)
    # paragraph numbers grow along the text; the items open distinct paragraphs
    steps = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    paragraphs = np.cumsum([0, *steps[1:]]).tolist()
    openers = [i for i in range(n) if i == 0 or paragraphs[i] != paragraphs[i - 1]]
    items = data.draw(st.lists(st.sampled_from(openers), unique=True)) if openers else []
    items = sorted(items)
    d = decode(q, link, attack, coordinate=[items], paragraphs=paragraphs)
    _check_forest(d, n)
    outside = {d.parents[i] for i in items
               if d.labels[i] is not Label.NONE and d.parents[i] is not None
               and paragraphs[d.parents[i]] != paragraphs[i]}
    if len(items) > 1:
        assert len(outside) <= 1
        lo, hi = paragraphs[items[0]], paragraphs[items[-1]]
        assert all(not lo <= paragraphs[p] <= hi for p in outside)


def _list_problem():
    """0 announces; items 1, 3, 5 open paragraphs 1-3 (2, 4 elaborate); 3 and 5 lean on 1."""
    q = np.array([[.8, .1, .03, .02, .05]] + [[.1, .8, .03, .02, .05]] * 5)
    link = np.full((6, 6), 0.01)
    link[1, 0], link[2, 1], link[4, 3] = 0.9, 0.9, 0.9
    link[3, 1], link[3, 0], link[5, 1], link[5, 0] = 0.5, 0.3, 0.5, 0.3
    return q, link, np.zeros((6, 6)), [0, 1, 1, 2, 2, 3]


def test_trees_decode_coordinate_items_do_not_hang_under_a_sibling():
    q, link, attack, paragraphs = _list_problem()
    assert decode(q, link, attack).parents == (None, 0, 1, 1, 3, 1)
    d = decode(q, link, attack, coordinate=[(1, 3, 5)], paragraphs=paragraphs)
    assert d.parents == (None, 0, 1, 0, 3, 0)


@pytest.mark.parametrize("coordinate, paragraphs", [
    ([(1, 3)], None), ([(1, 3)], [0, 1]), ([(1, 9)], [0] * 6), ([(3, 3)], [0] * 6),
])
def test_trees_decode_rejects_bad_coordinate_groups(coordinate, paragraphs):
    q, link, attack, _ = _list_problem()
    with pytest.raises(InputError) as err:
        decode(q, link, attack, coordinate=coordinate, paragraphs=paragraphs)
    assert err.value.code == "E301"


@settings(max_examples=100, deadline=None)
@given(problems(max_n=5))
def test_trees_decode_refinement_never_lowers_the_objective(problem):
    q, link, attack = problem
    first = decode(q, link, attack, DecodingConfig(refine_iterations=0))
    refined = decode(q, link, attack, DecodingConfig(refine_iterations=3))
    assert refined.objective >= first.objective - 1e-9


@settings(max_examples=100, deadline=None)
@given(problems(), st.floats(0.05, 1.0))
def test_trees_decode_none_threshold_excludes_units(problem, threshold):
    q, link, attack = problem
    d = decode(q, link, attack, DecodingConfig(none_threshold=threshold))
    _check_forest(d, len(q))
    for i in range(len(q)):
        if q[i, N] >= threshold:
            assert d.labels[i] is Label.NONE


def test_trees_decode_empty_document():
    d = decode(np.zeros((0, 5)), np.zeros((0, 0)), np.zeros((0, 0)))
    assert d.parents == () and d.labels == () and d.roots == ()


# --------------------------------------------------------------------------- decode: examples


def _classic():
    """0 claim; 1, 2 premises of 0; 3 attacks 0 (counterargument); 4 attacks 3 (rebuttal)."""
    q = np.array([
        [.70, .20, .05, .03, .02],
        [.10, .80, .05, .03, .02],
        [.15, .70, .05, .05, .05],
        [.05, .10, .75, .05, .05],
        [.05, .30, .10, .50, .05],
    ])
    link = np.full((5, 5), 0.05)
    attack = np.full((5, 5), 0.1)
    for child, parent, p_attack in ((1, 0, .1), (2, 0, .2), (3, 0, .9), (4, 3, .85)):
        link[child, parent] = 0.9
        attack[child, parent] = p_attack
    return q, link, attack


def test_trees_decode_claim_premises_counterargument_rebuttal():
    d = decode(*_classic())
    assert d.parents == (None, 0, 0, 0, 3)
    assert d.kinds == (None, RelationKind.SUPPORT, RelationKind.SUPPORT, RelationKind.ATTACK,
                       RelationKind.ATTACK)
    assert d.labels == (Label.CLAIM, Label.PREMISE, Label.PREMISE, Label.COUNTERARGUMENT,
                        Label.REBUTTAL)
    assert d.roles == (Role.PROPONENT, Role.PROPONENT, Role.PROPONENT, Role.OPPONENT,
                       Role.PROPONENT)
    assert d.scores[4] == pytest.approx(0.5)
    assert d.link_scores[3] == pytest.approx(0.9 * 0.9)


def test_trees_decode_structure_overrides_a_weak_label():
    # Unit 4 looks slightly more like a premise, but it clearly attacks the counterargument,
    # which only a rebuttal can do.
    q, link, attack = _classic()
    q[4] = [.05, .48, .02, .43, .02]
    attack[4, 3] = 0.97
    d = decode(q, link, attack)
    assert d.parents[4] == 3 and d.labels[4] is Label.REBUTTAL


def test_trees_decode_support_of_a_counterargument_is_a_counterargument():
    q, link, attack = _classic()
    q[4] = [.05, .40, .50, .03, .02]
    attack[4, 3] = 0.05
    d = decode(q, link, attack)
    assert d.parents[4] == 3 and d.kinds[4] is RelationKind.SUPPORT
    assert d.labels[4] is Label.COUNTERARGUMENT and d.roles[4] is Role.OPPONENT


def test_trees_decode_none_unit_stays_out():
    q, link, attack = _classic()
    q = np.vstack([q, [.02, .05, .02, .01, .90]])
    link = np.pad(link, ((0, 1), (0, 1)), constant_values=0.05)
    attack = np.pad(attack, ((0, 1), (0, 1)), constant_values=0.5)
    d = decode(q, link, attack)
    assert d.labels[5] is Label.NONE and d.parents[5] is None and 5 not in d.parents
    assert d.parents[:5] == (None, 0, 0, 0, 3)


def _two_arguments():
    """Units 0-2 and 3-5 are two separate arguments: a claim and two premises each."""
    q = np.tile([.10, .80, .04, .03, .03], (6, 1))
    q[0] = q[3] = [.80, .10, .04, .03, .03]
    link = np.full((6, 6), 0.02)
    attack = np.full((6, 6), 0.1)
    for child, parent in ((1, 0), (2, 0), (4, 3), (5, 3)):
        link[child, parent] = 0.9
    return q, link, attack


def test_trees_decode_forest_of_two_trees():
    d = decode(*_two_arguments())
    assert d.parents == (None, 0, 0, None, 3, 3)
    assert d.roots == (0, 3)


def test_trees_decode_single_root_forces_one_tree():
    d = decode(*_two_arguments(), DecodingConfig(single_root=True))
    assert len(d.roots) == 1
    _check_forest(d, 6)
    assert d.parents[1:3] == (0, 0) and d.parents[4:] == (3, 3)


def test_trees_decode_root_bias_merges_trees():
    d = decode(*_two_arguments(), DecodingConfig(root_bias=-50.0))
    assert len(d.roots) == 1


def test_trees_decode_window_restricts_parents():
    q = np.tile([.10, .80, .04, .03, .03], (6, 1))
    q[0] = [.90, .05, .02, .02, .01]
    link = np.full((6, 6), 0.1)
    link[1:, 0] = 0.9  # everything hangs on the first unit
    d = decode(q, link, np.full((6, 6), 0.1))
    assert d.parents == (None, 0, 0, 0, 0, 0)
    d = decode(q, link, np.full((6, 6), 0.1), DecodingConfig(window=2, single_root=True))
    assert d.parents[1:3] == (0, 0)
    assert all(abs(i - p) <= 2 for i, p in enumerate(d.parents) if p is not None)
    assert len(d.roots) == 1


def test_trees_decode_window_counts_kept_units_only():
    # Unit 1 is none, so with window=1 unit 2 may still attach to unit 0.
    q = np.array([[.9, .05, .02, .02, .01], [.01, .01, .01, .01, .96], [.1, .8, .05, .03, .02]])
    link = np.array([[0, .1, .1], [.1, 0, .1], [.9, .1, 0]])
    d = decode(q, link, np.full((3, 3), 0.1), DecodingConfig(window=1, single_root=True))
    assert d.parents == (None, None, 0) and d.labels[1] is Label.NONE


def test_trees_decode_scales_to_long_documents():
    rng = np.random.default_rng(1)
    n = 600
    q = rng.dirichlet(np.ones(5), size=n)
    d = decode(q, rng.random((n, n)), rng.random((n, n)), DecodingConfig(window=10))
    _check_forest(d, n)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("which, value", [
    (0, np.zeros((3, 4))), (1, np.zeros((3, 2))), (2, np.zeros((2, 3))),
    (0, np.full((3, 5), 1.5)), (1, np.full((3, 3), -0.1)), (2, np.full((3, 3), np.nan)),
    (0, "not an array"),
])
def test_trees_decode_rejects_bad_inputs(which, value):
    args = [np.full((3, 5), 0.2), np.full((3, 3), 0.5), np.full((3, 3), 0.5)]
    args[which] = value
    with pytest.raises(InputError) as err:
        decode(*args)
    assert err.value.code == "E301"


def test_trees_decode_ignores_the_diagonal():
    link = np.full((2, 2), 0.5)
    np.fill_diagonal(link, np.nan)
    d = decode(np.full((2, 5), 0.2), link, np.full((2, 2), 7.0) * np.eye(2))
    _check_forest(d, 2)


@pytest.mark.parametrize("field, value", [
    ("link_weight", -1.0), ("label_weight", float("nan")), ("kind_weight", "1"),
    ("root_bias", float("inf")), ("none_threshold", 0.0), ("none_threshold", 1.5),
    ("window", 0), ("window", 2.5), ("refine_iterations", -1), ("refine_iterations", True),
    ("projective", 1), ("projective", None), ("projective_limit", 0), ("projective_limit", 2.0),
    ("coordinate_lists", "yes"),
])
def test_trees_config_rejects_bad_values(field, value):
    with pytest.raises(InputError) as err:
        DecodingConfig(**{field: value})
    assert err.value.code == "E301"


# --------------------------------------------------------------------------- build_document


def test_trees_build_document_writes_labels_relations_and_trees():
    doc = _doc(6)
    doc = doc.replace(units=tuple(
        u if u.index != 1 else Unit(1, u.text, u.start, u.end, scores={"premise": 0.77})
        for u in doc.units))
    q, link, attack = _two_arguments()
    d = decode(q, link, attack)
    out = build_document(doc, d)
    assert [u.label for u in out.units] == list(d.labels)
    assert [u.role for u in out.units] == list(d.roles)
    assert out.units[1].score == pytest.approx(0.77)  # the unit's own scores win
    assert out.units[1].scores == {"premise": 0.77}
    assert out.units[2].score == pytest.approx(0.8)
    assert [(r.source, r.target, r.kind) for r in out.relations] == [
        (1, 0, RelationKind.SUPPORT), (2, 0, RelationKind.SUPPORT),
        (4, 3, RelationKind.SUPPORT), (5, 3, RelationKind.SUPPORT)]
    assert out.relations[0].score == pytest.approx(0.9 * 0.9)
    assert [t.root.index for t in out.trees] == [0, 3]
    assert [u.index for u in out.trees[1].nodes] == [3, 4, 5]
    assert [(e.source, e.target) for e in out.trees[1].edges] == [(4, 3), (5, 3)]
    assert out.text == doc.text and out.id == doc.id
    assert Document.from_dict(out.to_dict()) == out
    out.validate()


def test_trees_build_document_takes_link_scores():
    q, link, attack = _two_arguments()
    out = build_document(_doc(6), decode(q, link, attack), link_scores=link)
    assert out.relations[0].score == pytest.approx(0.9)


def test_trees_build_document_leaves_none_units_out_of_trees():
    q, link, attack = _classic()
    q = np.vstack([q, [.02, .05, .02, .01, .90]])
    link = np.pad(link, ((0, 1), (0, 1)), constant_values=0.05)
    attack = np.pad(attack, ((0, 1), (0, 1)), constant_values=0.5)
    out = build_document(_doc(6), decode(q, link, attack))
    assert len(out.trees) == 1 and 5 not in [u.index for u in out.trees[0].nodes]
    assert out.units[5].label is Label.NONE and out.units[5].role is None
    assert out.trees[0].summary().endswith("2 premises, 1 counterargument, 1 rebuttal")


def test_trees_build_document_rejects_a_mismatch():
    d = decode(*_classic())
    with pytest.raises(InputError) as err:
        build_document(_doc(4), d)
    assert err.value.code == "E301"
    with pytest.raises(InputError) as err:
        build_document(_doc(5), d, link_scores=np.zeros((4, 4)))
    assert err.value.code == "E301"


def test_trees_build_document_rejects_a_cycle():
    cyclic = Decoding((1, 0), (RelationKind.SUPPORT,) * 2, (Label.PREMISE,) * 2,
                      (Role.PROPONENT,) * 2, (None, None))
    with pytest.raises(InputError) as err:
        build_document(_doc(2), cyclic)
    assert err.value.code == "E301"
