from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import by_id, corpus_folder, link_ids

from argmine.corpora import corpus_stats, read_corpus
from argmine.corpora.web_discourse import read_web_discourse
from argmine.errors import CorpusFormatError
from argmine.schema import RelationKind

C, P, CA, R, N = "claim", "premise", "counterargument", "rebuttal", "none"
PRO, OPP = "proponent", "opponent"
SUP, ATT = RelationKind.SUPPORT, RelationKind.ATTACK

_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?><xmi:XMI xmlns:xmi="http://www.omg.org/XMI" '
    'xmlns:cas="http:///uima/cas.ecore" '
    'xmlns:types="http:///de/tudarmstadt/ukp/dkpro/argumentation/types.ecore">'
    '<cas:Sofa xmi:id="1" sofaString="Ban it. It harms. Who cares."/>'
)


@pytest.fixture
def wd_dir(fixtures_dir: Path) -> Path:
    return fixtures_dir / "web_discourse"


@pytest.fixture
def wd_copy(wd_dir: Path, tmp_path: Path) -> Path:
    """A writable copy of the fixture, for tests that break a file."""
    target = tmp_path / "web_discourse"
    shutil.copytree(wd_dir, target)
    return target






def _xmi(tmp_path: Path, body: str, name: str = "9.xmi") -> Path:
    path = tmp_path / name
    path.write_text(_HEAD + body + "</xmi:XMI>", encoding="utf-8")
    return path


def test_web_discourse_labels_roles_and_refutation_retargeted(wd_dir: Path):
    doc = by_id(read_web_discourse(wd_dir))["1"]
    assert [u.id for u in doc.units] == ["201", "202", "203", "204", "205"]
    assert [u.label.value for u in doc.units] == [C, P, P, CA, R]
    assert [u.role.value for u in doc.units] == [PRO, PRO, PRO, OPP, PRO]
    # The refutation (205) answers the rebuttal (204), not the claim it is linked to.
    assert link_ids(doc) == {
        ("202", "201", SUP), ("203", "201", SUP), ("204", "201", ATT), ("205", "204", ATT)
    }
    assert doc.meta["original_targets"] == [[4, 0]]
    assert (doc.meta["topic"], doc.meta["doc_type"]) == ("homeschooling", "artcomment")
    assert doc.text.startswith("mum_of_three\nHomeschooling works")
    assert doc.units[0].text == "Homeschooling works for many families"
    assert [doc.text[a:b] for a, b in doc.meta["sentences"]][1] == (
        "Homeschooling works for many families."
    )
    for unit in doc.units:
        assert unit.text == doc.text[unit.start : unit.end]
    doc.validate()


def test_web_discourse_implicit_claim_and_claim_to_claim(wd_dir: Path):
    doc = by_id(read_web_discourse(wd_dir))["2"]
    assert [(u.id, u.text, u.label.value) for u in doc.units] == [
        ("401", "", C),
        ("402", "Boys and girls have to meet one day.", C),  # supports 401, stays a claim
        ("403", "Mixed classes teach respect.", P),
        ("404", "Girls do better at maths alone", CA),
    ]
    assert (doc.units[0].start, doc.units[0].end) == (0, 0)
    assert doc.meta["implicit_units"] == ["401"]
    assert link_ids(doc) == {("402", "401", SUP), ("403", "401", SUP), ("404", "401", ATT)}
    doc.validate()


def test_web_discourse_utf16_offsets(wd_dir: Path):
    # The text holds an emoji (two UTF-16 units): UIMA offsets after it are shifted by one.
    doc = by_id(read_web_discourse(wd_dir))["2"]
    for unit in doc.units:
        assert unit.text == doc.text[unit.start : unit.end]
    assert [doc.text[a:b] for a, b in doc.meta["sentences"]][-1] == "Anyway, nice weather."


def test_web_discourse_without_implicit(wd_dir: Path):
    doc = by_id(read_web_discourse(wd_dir, implicit=False))["2"]
    assert [(u.id, u.label.value) for u in doc.units] == [("402", C), ("403", P), ("404", CA)]
    assert doc.relations == ()


def test_web_discourse_path_forms(wd_dir: Path):
    assert [d.id for d in read_web_discourse(wd_dir)] == ["1", "2"]
    assert [d.id for d in read_web_discourse(wd_dir / "gold.data.toulmin")] == ["1", "2"]
    assert [d.id for d in read_web_discourse(wd_dir / "gold.data.toulmin" / "2.xmi")] == ["2"]
    assert [d.id for d in read_corpus("web-discourse", wd_dir)] == ["1", "2"]


def test_web_discourse_isolated_claim_and_lone_refutation(tmp_path: Path):
    path = _xmi(
        tmp_path,
        '<types:Claim xmi:id="2" begin="0" end="7"/>'
        '<types:Refutation xmi:id="3" begin="8" end="17"/>'
        '<types:Claim xmi:id="4" begin="18" end="28"/>'
        '<types:ArgumentRelation xmi:id="5" source="3" target="2"/>',
    )
    doc = read_web_discourse(path)[0]
    # No rebuttal to answer: the refutation keeps its link (as support) and its label.
    assert [(u.label.value, u.role.value) for u in doc.units] == [(C, PRO), (R, PRO), (C, PRO)]
    assert link_ids(doc) == {("3", "2", SUP)}
    assert doc.meta["topic"] is None


def test_web_discourse_empty_folder_raises_e106(tmp_path: Path):
    with pytest.raises(CorpusFormatError) as info:
        read_web_discourse(tmp_path)
    assert info.value.code == "E106"


def test_web_discourse_bad_xml_raises_e101(wd_copy: Path):
    path = wd_copy / "gold.data.toulmin" / "1.xmi"
    path.write_text(path.read_text(encoding="utf-8").replace("</xmi:XMI>", ""), encoding="utf-8")
    with pytest.raises(CorpusFormatError) as info:
        read_web_discourse(wd_copy)
    assert (info.value.code, info.value.path, info.value.line) == ("E101", str(path), 1)


def test_web_discourse_offsets_outside_text_raise_e103(tmp_path: Path):
    path = _xmi(tmp_path, '<types:Claim xmi:id="2" begin="0" end="99"/>')
    with pytest.raises(CorpusFormatError) as info:
        read_web_discourse(path)
    assert (info.value.code, info.value.path, info.value.line) == ("E103", str(path), "2")


def test_web_discourse_dangling_relation_raises_e104(tmp_path: Path):
    path = _xmi(
        tmp_path,
        '<types:Claim xmi:id="2" begin="0" end="7"/>'
        '<types:ArgumentRelation xmi:id="5" source="3" target="2"/>',
    )
    with pytest.raises(CorpusFormatError) as info:
        read_web_discourse(path)
    assert (info.value.code, info.value.path, info.value.line) == ("E104", str(path), "5")


def test_web_discourse_bad_offset_attribute_raises_e107(tmp_path: Path):
    path = _xmi(tmp_path, '<types:Premise xmi:id="2" begin="zero" end="7"/>')
    with pytest.raises(CorpusFormatError) as info:
        read_web_discourse(path)
    assert (info.value.code, info.value.line) == ("E107", "2")


def test_web_discourse_missing_file_raises_e106(tmp_path: Path):
    path = tmp_path / "gone.xmi"
    with pytest.raises(CorpusFormatError) as info:
        read_web_discourse(path)
    assert (info.value.code, info.value.path) == ("E106", str(path))


# The real corpus: the README's totals, exactly.




@pytest.mark.corpora
def test_web_discourse_real_corpus_matches_readme(corpora_root: Path):
    folder = corpus_folder(corpora_root, "web-discourse-toulmin")
    docs = read_corpus("web-discourse", folder)
    stats = corpus_stats("web-discourse", docs)
    assert stats["documents"] == 340
    assert stats["units"] == 1221
    assert stats["labels"] == {C: 365, P: 762, CA: 68, R: 26, N: 0}
    assert sum(len(d.relations) for d in docs) == 869
    assert sum(len(d.meta["sentences"]) for d in docs) == 3899
    assert sum(len(d.meta["implicit_units"]) for d in docs) == 170
    topics = [d.meta["topic"] for d in docs]
    assert topics.count("public-private-schools") == 134
    assert topics.count("mainstreaming") == 21
    for doc in docs:
        doc.validate()
