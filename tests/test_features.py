"""Hand-made unit and pair features: position, discourse markers, ordinal lists."""

from __future__ import annotations

import torch

from argmine.document import Unit
from argmine.scoring.features import (
    MARKER_CLASSES,
    PAIR_FEATURES,
    announces,
    coordinate_lists,
    list_starts,
    marker_features,
    ordinal,
    pair_features,
)


def _units(texts: list[str], paragraphs: list[int] | None = None) -> list[Unit]:
    paragraphs = paragraphs or [0] * len(texts)
    return [Unit(i, t, 0, len(t), paragraph=p) for i, (t, p) in enumerate(zip(texts, paragraphs))]


def test_ordinal_reads_opening_markers_only_as_whole_words():
    assert ordinal("First of all, they are not negotiating.") == 1
    assert ordinal("“Secondly”, the talks inform.") == 2
    assert ordinal("Third, you want to signal openings.") == 3
    assert ordinal("Lastly, it is cheap.") == 99
    assert ordinal("Firstborn children are different.") == 0
    assert ordinal("The first reason is cost.") == 0


def test_list_starts_restart_at_every_first_and_ignore_stray_ordinals():
    texts = ["Second, nothing opened a list yet.", "Talks help in three ways.", "First, a.",
             "Detail.", "Second, b.", "Not at all.", "First of all, c.", "Second, d.",
             "Third, e."]
    assert list_starts(_units(texts)) == [None, None, 2, None, 2, None, 6, 6, 6]


def test_pair_features_mark_list_introducer_siblings_and_paragraphs():
    texts = ["Talks are needed for three reasons.", "First, intelligence.", "It informs.",
             "Second, pathways.", "But is this going behind Ukraine's back?"]
    feats = pair_features(_units(texts, paragraphs=[0, 1, 1, 2, 3]))
    assert feats.shape == (5, 5, len(PAIR_FEATURES))
    same_paragraph, introducer, same_list, announced, answers = feats.unbind(-1)
    assert torch.equal(same_paragraph.diagonal(), torch.ones(5))
    assert same_paragraph[2, 1] == 1 and same_paragraph[3, 1] == 0
    # Both items point to the unit before "First", however far they are from it.
    assert introducer.nonzero().tolist() == [[1, 0], [3, 0]]
    assert same_list.nonzero().tolist() == [[1, 3], [3, 1]]
    assert announced.nonzero().tolist() == [[1, 0], [3, 0]]
    assert not answers.any()  # the question is followed by nothing


def test_announced_list_points_to_the_nearest_announcement_within_reach():
    texts = ["Cats help in many ways.", "Dogs help for two reasons.", "Aside.", "First, a.",
             "Second, b.", "Unrelated.", "Cats help in several ways.", "X.", "Y.", "First, c.",
             "Second, d."]
    announced = pair_features(_units(texts))[..., PAIR_FEATURES.index("announced_list")]
    # Items 3 and 4 go to unit 1 (the nearer of two announcements, two units back); the
    # second list's announcement stands three units before it, out of reach.
    assert announced.nonzero().tolist() == [[3, 1], [4, 1]]


def test_announces_reads_cataphoric_quantities_not_anaphoric_ones():
    assert announces("Cities benefit from trams in three important ways.")
    assert announces("There are a number of reasons for this.")
    assert not announces("For these reasons, trams are better.")  # looks back, not ahead
    assert not announces("Trams are better.")


def test_answers_question_links_a_reply_to_the_question_just_before_it():
    texts = ["Is this wrong?", "Not at all.", "Is it costly?", "Are we sure?", "Yes.", "Next."]
    feats = pair_features(_units(texts, paragraphs=[0, 0, 0, 0, 0, 1]))
    answers = feats[..., PAIR_FEATURES.index("answers_question")]
    # A question after a question is not an answer, nor is a sentence in the next paragraph.
    assert answers.nonzero().tolist() == [[1, 0], [4, 3]]


def test_pair_features_of_one_unit_and_no_lists():
    feats = pair_features(_units(["Only one."]))
    assert feats.tolist() == [[[1.0, 0.0, 0.0, 0.0, 0.0]]]


def test_marker_features_flag_denials_and_contrasts():
    flags = dict(zip(MARKER_CLASSES, marker_features("Not at all.")))
    assert flags["denial"] == 1.0 and flags["contrast"] == 0.0


def test_coordinate_lists_need_one_paragraph_opened_by_each_item():
    texts = ["Talks help in three ways.", "First, a.", "Detail.", "Second, b.", "Third, c.",
             "First of all, d.", "Second, e."]
    # items 1, 3, 4 open paragraphs 1, 2, 3; the second list shares paragraph 4
    assert coordinate_lists(_units(texts, [0, 1, 1, 2, 3, 4, 4])) == [(1, 3, 4)]
    # an item in the middle of its paragraph breaks the list's coordination
    assert coordinate_lists(_units(texts, [0, 1, 1, 1, 2, 3, 4])) == [(5, 6)]
    assert coordinate_lists(_units(texts)) == []
    assert coordinate_lists(_units(["First, a."], [0])) == []
