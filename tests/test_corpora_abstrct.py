from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import by_id, corpus_folder, link_ids

from argmine.corpora import corpus_stats, read_corpus
from argmine.corpora.abstrct import read_abstrct
from argmine.errors import CorpusFormatError, InputError
from argmine.schema import RelationKind

C, P, CA = "claim", "premise", "counterargument"
PRO, OPP = "proponent", "opponent"


@pytest.fixture
def abstrct_dir(fixtures_dir: Path) -> Path:
    return fixtures_dir / "abstrct"


@pytest.fixture
def abstrct_copy(abstrct_dir: Path, tmp_path: Path) -> Path:
    """A writable copy of the fixture, for tests that break a file."""
    target = tmp_path / "abstrct"
    shutil.copytree(abstrct_dir, target)
    return target






def test_abstrct_labels_follow_readme_mapping(abstrct_dir: Path):
    doc = by_id(read_abstrct(abstrct_dir))["neoplasm_train/pmid1001"]
    # T3 is a Claim supporting the MajorClaim: still a claim. T4 partially attacks, T7 has
    # a Support and an Attack: both counterarguments. T5 is unlinked: a premise.
    assert [u.label.value for u in doc.units] == [C, P, C, CA, P, P, CA]
    assert [u.role.value for u in doc.units] == [PRO, PRO, PRO, OPP, PRO, PRO, OPP]
    for unit in doc.units:
        assert unit.text == doc.text[unit.start : unit.end]
    doc.validate()


def test_abstrct_one_parent_per_unit_and_extra_relations(abstrct_dir: Path):
    doc = by_id(read_abstrct(abstrct_dir))["neoplasm_train/pmid1001"]
    assert link_ids(doc) == {
        ("T2", "T1", RelationKind.SUPPORT),
        ("T3", "T1", RelationKind.SUPPORT),
        ("T4", "T3", RelationKind.ATTACK),  # Partial-Attack
        ("T6", "T2", RelationKind.SUPPORT),  # the first of its two supports
        ("T7", "T3", RelationKind.ATTACK),  # the attack, which agrees with its label
    }
    assert doc.meta["extra_relations"] == [["T6", "T1", "Support"], ["T7", "T2", "Support"]]


def test_abstrct_meta_ids_and_splits(abstrct_dir: Path):
    docs = read_abstrct(abstrct_dir)
    assert [(d.id, d.meta["split"], d.meta["subset"]) for d in docs] == [
        ("neoplasm_dev/pmid1002", "dev", "neoplasm_dev"),
        ("mixed_test/pmid1003", "test", "mixed_test"),
        ("neoplasm_test/pmid1003", "test", "neoplasm_test"),
        ("neoplasm_train/pmid1001", "train", "neoplasm_train"),
    ]
    assert all(d.meta["corpus"] == "abstrct" for d in docs)
    assert {d.meta["pmid"] for d in docs} == {"pmid1001", "pmid1002", "pmid1003"}
    assert [d.id for d in read_abstrct(abstrct_dir, split="train")] == ["neoplasm_train/pmid1001"]
    assert [d.id for d in read_abstrct(abstrct_dir, split="dev")] == ["neoplasm_dev/pmid1002"]
    assert len(read_abstrct(abstrct_dir, split="test")) == 2


def test_abstrct_reads_any_folder_below_the_root(abstrct_dir: Path):
    data = abstrct_dir / "AbstRCT_corpus" / "data"
    assert len(read_abstrct(data / "test")) == 2
    docs = read_abstrct(data / "test" / "mixed_test")
    assert [(d.id, d.meta["split"]) for d in docs] == [("mixed_test/pmid1003", "test")]


def test_abstrct_flat_subset_folder_names_its_split(abstrct_dir: Path, tmp_path: Path):
    shutil.copytree(abstrct_dir / "AbstRCT_corpus/data/test/mixed_test", tmp_path / "mixed_test")
    assert read_abstrct(tmp_path)[0].meta["split"] == "test"


def test_abstrct_offsets_count_a_byte_order_mark(abstrct_dir: Path):
    doc = by_id(read_abstrct(abstrct_dir))["neoplasm_dev/pmid1002"]
    assert doc.text.startswith("\ufeff")
    assert (doc.units[0].start, doc.units[0].text) == (1, "Drug B did not help.")


def test_abstrct_unknown_split_raises_input_error(abstrct_dir: Path):
    with pytest.raises(InputError) as info:
        read_abstrct(abstrct_dir, split="validation")
    assert info.value.code == "E301"


def test_abstrct_empty_folder_raises_e106(tmp_path: Path):
    with pytest.raises(CorpusFormatError) as info:
        read_abstrct(tmp_path)
    assert info.value.code == "E106"


def _ann(root: Path, rel: str) -> Path:
    return root / "AbstRCT_corpus" / "data" / rel


def _rewrite(path: Path, old: str, new: str) -> None:
    content = path.read_text(encoding="utf-8")
    path.write_text(content.replace(old, new, 1), encoding="utf-8", newline="")


def test_abstrct_unknown_relation_type_raises_e107(abstrct_copy: Path):
    ann = _ann(abstrct_copy, "train/neoplasm_train/pmid1001.ann")
    _rewrite(ann, "R7\tAttack", "R7\tRefutes")
    with pytest.raises(CorpusFormatError) as info:
        read_abstrct(abstrct_copy)
    assert (info.value.code, info.value.path, info.value.line) == ("E107", str(ann), 14)


def test_abstrct_unknown_component_type_raises_e107(abstrct_copy: Path):
    ann = _ann(abstrct_copy, "dev/neoplasm_dev/pmid1002.ann")
    _rewrite(ann, "T2\tPremise", "T2\tEvidence")
    with pytest.raises(CorpusFormatError) as info:
        read_abstrct(abstrct_copy)
    assert (info.value.code, info.value.line) == ("E107", 2)


def test_abstrct_text_mismatch_raises_e105(abstrct_copy: Path):
    ann = _ann(abstrct_copy, "test/mixed_test/pmid1003.ann")
    _rewrite(ann, "4 mmHg", "5 mmHg")
    with pytest.raises(CorpusFormatError) as info:
        read_abstrct(abstrct_copy)
    assert (info.value.code, info.value.path, info.value.line) == ("E105", str(ann), 2)


def test_abstrct_bad_offsets_raise_e103(abstrct_copy: Path):
    ann = _ann(abstrct_copy, "test/neoplasm_test/pmid1003.ann")
    _rewrite(ann, "Premise 28 52", "Premise 28 520")
    with pytest.raises(CorpusFormatError) as info:
        read_abstrct(abstrct_copy)
    assert (info.value.code, info.value.line) == ("E103", 2)


def test_abstrct_cycle_raises_e109(abstrct_copy: Path):
    ann = _ann(abstrct_copy, "dev/neoplasm_dev/pmid1002.ann")
    content = ann.read_text(encoding="utf-8")
    ann.write_text(content + "R2\tSupport Arg1:T1 Arg2:T2\t\n", encoding="utf-8")
    with pytest.raises(CorpusFormatError) as info:
        read_abstrct(abstrct_copy)
    assert (info.value.code, info.value.path) == ("E109", str(ann))


# The real corpus: the README's totals, exactly.




@pytest.mark.corpora
def test_abstrct_real_corpus_matches_readme(corpora_root: Path):
    folder = corpus_folder(corpora_root, "abstrct")
    docs = read_corpus("abstrct", folder)
    stats = corpus_stats("abstrct", docs)
    # The README says 500 documents, but its subsets hold 700 files (see read_abstrct).
    assert stats["documents"] == 700
    assert len({d.id for d in docs}) == 700
    assert stats["units"] == 4473
    assert stats["labels"] == {C: 1371, P: 2757, CA: 345, "rebuttal": 0, "none": 0}
    subsets = {}
    for doc in docs:
        subsets[doc.meta["subset"]] = subsets.get(doc.meta["subset"], 0) + 1
    assert subsets == {
        "neoplasm_train": 350, "neoplasm_dev": 50, "neoplasm_test": 100,
        "glaucoma_test": 100, "mixed_test": 100,
    }
    kept = sum(len(d.relations) for d in docs)
    extra = sum(len(d.meta["extra_relations"]) for d in docs)
    assert kept + extra == 2402 + 285 + 70
    assert [len(read_abstrct(folder, split=s)) for s in ("train", "dev", "test")] == [350, 50, 300]
