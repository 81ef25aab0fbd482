from __future__ import annotations

from pathlib import Path

import pytest
from conftest import by_id, corpus_folder, link_ids

from argmine.corpora import corpus_stats, read_corpus
from argmine.corpora.microtexts import FoldSplit, read_microtext_folds, read_microtexts
from argmine.errors import CorpusFormatError, InputError
from argmine.schema import RelationKind

C, P, CA, R, N = "claim", "premise", "counterargument", "rebuttal", "none"
PRO, OPP = "proponent", "opponent"
SUP, ATT = RelationKind.SUPPORT, RelationKind.ATTACK


@pytest.fixture
def part1(fixtures_dir: Path) -> Path:
    return fixtures_dir / "microtexts" / "part1"


@pytest.fixture
def part2(fixtures_dir: Path) -> Path:
    return fixtures_dir / "microtexts" / "part2"






def _graph(body: str, attrs: str = 'id="micro_x"') -> str:
    return f"<?xml version='1.0' encoding='UTF-8'?>\n<arggraph {attrs}>\n{body}\n</arggraph>\n"


_SIMPLE = """<edu id="e1"><![CDATA[We should act.]]></edu>
<edu id="e2"><![CDATA[It pays.]]></edu>
<adu id="a1" type="pro"/>
<adu id="a2" type="pro"/>
<edge id="c1" src="e1" trg="a1" type="seg"/>
<edge id="c2" src="e2" trg="a2" type="seg"/>
<edge id="c3" src="a2" trg="a1" type="sup"/>"""


def _write(folder: Path, body: str, name: str = "micro_x") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.xml"
    path.write_text(_graph(body, f'id="{name}"'), encoding="utf-8")
    return path


def test_microtexts_part1_labels_roles_relations(part1: Path):
    doc = by_id(read_microtexts(part1))["micro_fx001"]
    assert [u.id for u in doc.units] == ["a1", "a2", "a3", "a4", "a5", "a6"]
    assert [u.label.value for u in doc.units] == [CA, CA, R, C, P, P]
    assert [u.role.value for u in doc.units] == [OPP, OPP, PRO, PRO, PRO, PRO]
    # und on c1 (a1 -> a4) attacks a1; add on c4 joins a5's support of a4.
    assert link_ids(doc) == {
        ("a1", "a4", ATT), ("a2", "a1", SUP), ("a3", "a1", ATT),
        ("a5", "a4", SUP), ("a6", "a4", SUP),
    }
    assert doc.meta == {
        "topic_id": "school_uniforms", "stance": "pro", "corpus": "microtexts",
        "implicit_units": [], "role_conflicts": [], "extra_links": [],
    }
    doc.validate()


def test_microtexts_spans_slice_back_and_tolerate_whitespace(part1: Path):
    for doc in read_microtexts(part1):
        for unit in doc.units:
            assert unit.text == doc.text[unit.start : unit.end]
    doc = by_id(read_microtexts(part1))["micro_fx001"]
    # The .txt has two spaces where the EDU has one.
    assert doc.units[0].text == "Some say uniforms limit  self-expression."


def test_microtexts_example_and_rebutting_pro(part1: Path):
    doc = by_id(read_microtexts(part1))["micro_fx002"]
    assert [u.label.value for u in doc.units] == [C, P, CA, R]
    assert link_ids(doc) == {("a2", "a1", SUP), ("a3", "a1", ATT), ("a4", "a3", ATT)}
    assert doc.meta["topic_id"] is None and doc.meta["stance"] is None


def test_microtexts_part2_joint_multi_seg_and_unsegmented_edu(part2: Path):
    doc = by_id(read_microtexts(part2))["micro_fx101"]
    # No .txt: the text is the EDUs joined by single spaces.
    assert doc.text.startswith("Cities should ban cars from the centre. The air would")
    texts = {u.id: u.text for u in doc.units}
    assert texts["a2"] == "The air would be cleaner and the streets quieter."  # joint
    assert texts["a3"] == "Shops might lose customers who arrive by car."  # two seg edges
    assert [(u.id, u.label.value) for u in doc.units] == [
        ("a1", C), ("a2", P), ("a3", CA), ("a4", R), ("e7", N)
    ]
    assert doc.units[-1].role is None
    assert link_ids(doc) == {("a2", "a1", SUP), ("a3", "a1", ATT), ("a4", "a3", ATT)}
    doc.validate()


def test_microtexts_part2_restated_claim_and_implicit_unit(part2: Path):
    doc = by_id(read_microtexts(part2))["micro_fx102"]
    assert [(u.id, u.text, u.label.value) for u in doc.units] == [
        ("a3", "", P),
        ("a1", "Homework should be limited.", C),
        ("a2", "Children need time to play.", P),
        ("a1#2", "So: less homework, please.", C),
    ]
    assert doc.meta["implicit_units"] == ["a3"]
    assert link_ids(doc) == {("a2", "a1", SUP), ("a3", "a2", SUP)}
    doc.validate()


def test_microtexts_path_forms(part1: Path):
    ids = ["micro_fx001", "micro_fx002"]
    assert [d.id for d in read_microtexts(part1)] == ids
    assert [d.id for d in read_microtexts(part1 / "corpus")] == ids
    assert [d.id for d in read_microtexts(part1 / "corpus" / "en")] == ids
    one = read_microtexts(part1 / "corpus" / "en" / "micro_fx002.xml")
    assert [d.id for d in one] == ["micro_fx002"]
    assert [d.id for d in read_corpus("microtexts", part1)] == ids


def test_microtexts_split_by_ids(part1: Path):
    folds = read_microtext_folds(part1)
    assert [d.id for d in read_microtexts(part1, split=folds[0].test_ids)] == ["micro_fx001"]
    with pytest.raises(InputError) as info:
        read_microtexts(part1, split="train")
    assert info.value.code == "E301"
    with pytest.raises(InputError) as info:
        read_microtexts(part1, split=["micro_nope"])
    assert info.value.code == "E008"


def test_microtexts_folds(part1: Path):
    folds = read_microtext_folds(part1)
    assert folds[0] == FoldSplit(0, 0, 0, ("micro_fx002",), ("micro_fx001",))
    assert [(f.index, f.iteration, f.fold) for f in folds] == [
        (0, 0, 0), (1, 0, 1), (2, 1, 0), (3, 1, 1)
    ]
    assert read_microtext_folds(part1 / "folds" / "folds_m112_10x5.tsv") == folds


def test_microtexts_folds_errors(tmp_path: Path):
    with pytest.raises(CorpusFormatError) as info:
        read_microtext_folds(tmp_path)
    assert info.value.code == "E106"
    with pytest.raises(CorpusFormatError) as info:
        read_microtext_folds(tmp_path / "missing.tsv")
    assert info.value.code == "E009"
    bad = tmp_path / "folds.tsv"
    bad.write_text("split_index\titeration\tfold\ttext_id\n0\t0\t0\tmicro_a\nx\t0\n")
    with pytest.raises(CorpusFormatError) as info:
        read_microtext_folds(bad)
    assert (info.value.code, info.value.path, info.value.line) == ("E107", str(bad), 3)


def test_microtexts_xml_role_wins_and_is_reported(tmp_path: Path):
    # a3 (pro) supports a2 (opp): propagation says opponent, the XML says pro.
    body = _SIMPLE.replace('<adu id="a2" type="pro"/>', '<adu id="a2" type="opp"/>').replace(
        'type="sup"/>', 'type="reb"/>'
    ) + """
<edu id="e3"><![CDATA[Says who.]]></edu>
<adu id="a3" type="pro"/>
<edge id="c4" src="e3" trg="a3" type="seg"/>
<edge id="c5" src="a3" trg="a2" type="sup"/>"""
    doc = read_microtexts(_write(tmp_path, body))[0]
    assert [(u.id, u.label.value, u.role.value) for u in doc.units] == [
        ("a1", C, PRO), ("a2", CA, OPP), ("a3", P, PRO)
    ]
    assert doc.meta["role_conflicts"] == ["a3"]


def test_microtexts_missing_folder_raises_e106(tmp_path: Path):
    with pytest.raises(CorpusFormatError) as info:
        read_microtexts(tmp_path / "nowhere")
    assert info.value.code == "E106"


def test_microtexts_bad_xml_raises_e101(tmp_path: Path):
    path = tmp_path / "micro_x.xml"
    path.write_text("<arggraph id='x'>\n<edu id='e1'>Hi</adu>\n</arggraph>\n")
    with pytest.raises(CorpusFormatError) as info:
        read_microtexts(path)
    assert (info.value.code, info.value.path, info.value.line) == ("E101", str(path), 2)


def test_microtexts_dangling_edge_raises_e104(tmp_path: Path):
    path = _write(tmp_path, _SIMPLE.replace('src="a2" trg="a1"', 'src="a2" trg="a9"'))
    with pytest.raises(CorpusFormatError) as info:
        read_microtexts(path)
    assert (info.value.code, info.value.path, info.value.line) == ("E104", str(path), "c3")


def test_microtexts_edu_not_in_text_raises_e105(tmp_path: Path):
    path = _write(tmp_path, _SIMPLE)
    path.with_suffix(".txt").write_text("We should act. It costs.", encoding="utf-8")
    with pytest.raises(CorpusFormatError) as info:
        read_microtexts(path)
    assert (info.value.code, info.value.path, info.value.line) == ("E105", str(path), "e2")


def test_microtexts_unknown_edge_type_raises_e107(tmp_path: Path):
    path = _write(tmp_path, _SIMPLE.replace('type="sup"', 'type="support"'))
    with pytest.raises(CorpusFormatError) as info:
        read_microtexts(path)
    assert (info.value.code, info.value.line) == ("E107", "c3")


def test_microtexts_add_loop_raises_e109(tmp_path: Path):
    body = _SIMPLE.replace(
        '<edge id="c3" src="a2" trg="a1" type="sup"/>',
        '<edge id="c3" src="a2" trg="c4" type="add"/>\n'
        '<edge id="c4" src="a1" trg="c3" type="add"/>',
    )
    with pytest.raises(CorpusFormatError) as info:
        read_microtexts(_write(tmp_path, body))
    assert info.value.code == "E109"


def test_microtexts_missing_txt_falls_back_but_unreadable_txt_raises(tmp_path: Path):
    path = _write(tmp_path, _SIMPLE)
    assert read_microtexts(path)[0].text == "We should act. It pays."
    path.with_suffix(".txt").write_bytes(b"\xff\xfe bad")
    with pytest.raises(CorpusFormatError) as info:
        read_microtexts(path)
    assert info.value.code == "E003"


# The real corpus: the README's totals, exactly.




@pytest.mark.corpora
def test_microtexts_real_corpus_matches_readme(corpora_root: Path):
    folder = corpus_folder(corpora_root, "microtexts-part1")
    docs = read_corpus("microtexts", folder)
    stats = corpus_stats("microtexts", docs)
    assert stats["documents"] == 112
    assert stats["units"] == 576
    assert stats["labels"] == {C: 112, P: 275, CA: 125, R: 64, N: 0}
    assert sum(len(d.relations) for d in docs) == 464
    assert all(d.meta["role_conflicts"] == [] and d.meta["implicit_units"] == [] for d in docs)
    assert sum(1 for d in docs if d.meta["topic_id"] is None) == 23
    folds = read_microtext_folds(folder)
    assert len(folds) == 50
    for split in folds:
        assert len(split.train_ids) + len(split.test_ids) == 112
        assert 22 <= len(split.test_ids) <= 23

