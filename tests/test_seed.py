"""The seed article's gold annotation is consistent with the text, the segmenter and the scheme."""

import json

from conftest import REPO_ROOT

from argmine.schema import labels_from_links
from argmine.text.segmentation import segment

GOLD = REPO_ROOT / "seeds" / "track-ii-talks.gold.json"


def _gold():
    return json.loads(GOLD.read_text(encoding="utf-8"))


def test_seed_gold_spans_match_text_and_segmenter(seed_text):
    gold = _gold()
    units = segment(seed_text)
    assert len(gold["units"]) == len(units)
    for entry, unit in zip(gold["units"], units):
        assert seed_text[entry["start"] : entry["end"]] == entry["text"]
        assert (entry["start"], entry["end"]) == (unit.start, unit.end)


def test_seed_gold_labels_follow_from_links():
    units = _gold()["units"]
    links = [(u["index"], u["parent"], u["relation"]) for u in units if u["parent"] is not None]
    derived = labels_from_links(len(units), links)
    assert [u["label"] for u in units] == [label.value for label, _ in derived]
    assert [u["role"] for u in units] == [None if r is None else r.value for _, r in derived]


def test_seed_gold_holds_the_tree_the_user_named():
    units = _gold()["units"]
    by_text = {u["text"]: u for u in units}
    claim = next(u for u in units if "because they serve several purposes" in u["text"]
                 and "Track II" in u["text"])
    assert claim["label"] == "claim" and claim["parent"] is None
    for opening in ("First, Track-II", "Second, if we want", "Third, you want"):
        premise = next(u for u in units if u["text"].startswith(opening))
        assert (premise["label"], premise["parent"], premise["relation"]) == (
            "premise", claim["index"], "support")
    objection = by_text["But isn’t this going behind the back of Ukraine?"]
    answer = by_text["Not at all."]
    assert (objection["label"], objection["parent"]) == ("counterargument", claim["index"])
    assert (answer["label"], answer["parent"], answer["relation"]) == (
        "rebuttal", objection["index"], "attack")
