from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import by_id, corpus_folder, link_ids

from argmine.corpora import corpus_stats, read_corpus
from argmine.corpora.aae2 import read_aae2, read_split
from argmine.document import Document
from argmine.errors import CorpusFormatError, InputError
from argmine.schema import RelationKind

C, P, CA, R = "claim", "premise", "counterargument", "rebuttal"
PRO, OPP = "proponent", "opponent"


@pytest.fixture
def aae2_dir(fixtures_dir: Path) -> Path:
    return fixtures_dir / "aae2"


@pytest.fixture
def aae2_copy(aae2_dir: Path, tmp_path: Path) -> Path:
    """A writable copy of the fixture, for tests that break a file."""
    target = tmp_path / "aae2"
    shutil.copytree(aae2_dir, target)
    return target


def _read(folder: Path, **options) -> list[Document]:
    """Read the fixture with its split file, which is named ``split.csv``."""
    return read_aae2(folder, split_file=folder / "split.csv", **options)






def test_aae2_labels_roles_and_spans(aae2_dir: Path):
    doc = by_id(_read(aae2_dir))["essayfx1"]
    assert [u.id for u in doc.units] == [f"T{i}" for i in range(1, 10)]
    assert [u.label.value for u in doc.units] == [C, C, P, CA, R, CA, CA, R, C]
    assert [u.role.value for u in doc.units] == [PRO, PRO, PRO, OPP, PRO, OPP, OPP, PRO, PRO]
    for unit in doc.units:
        assert unit.text == doc.text[unit.start : unit.end]
    assert doc.units[0].text == "Cities should ban cars from their centres"
    doc.validate()


def test_aae2_relations_include_against_claim_link_to_first_major_claim(aae2_dir: Path):
    doc = by_id(_read(aae2_dir))["essayfx1"]
    assert link_ids(doc) == {
        ("T3", "T2", RelationKind.SUPPORT),
        ("T4", "T2", RelationKind.ATTACK),
        ("T5", "T4", RelationKind.ATTACK),
        ("T6", "T1", RelationKind.ATTACK),
        ("T7", "T6", RelationKind.SUPPORT),
        ("T8", "T6", RelationKind.ATTACK),
    }


def test_aae2_linked_for_claims_support_the_major_claim_as_premises(aae2_dir: Path):
    linked = by_id(read_aae2(aae2_dir, link_for_claims=True))["essayfx1"]
    plain = by_id(_read(aae2_dir))["essayfx1"]
    assert link_ids(linked) - link_ids(plain) == {("T2", "T1", RelationKind.SUPPORT)}
    assert link_ids(plain) <= link_ids(linked)
    changed = [(p.id, p.label.value, q.label.value)
               for p, q in zip(plain.units, linked.units) if p.label != q.label]
    # Only the For claim changes: now a supporting proponent unit, hence a premise; its
    # own premises and attackers keep their labels, as support keeps the role.
    assert changed == [("T2", "claim", "premise")]
    assert [u.role for u in plain.units] == [u.role for u in linked.units]


def test_aae2_tree_kind_reads_the_tree_view(aae2_dir: Path):
    from argmine.corpora import read_corpus

    tree = by_id(read_corpus("aae2-tree", aae2_dir))["essayfx1"]
    linked = by_id(read_aae2(aae2_dir, link_for_claims=True))["essayfx1"]
    assert link_ids(tree) == link_ids(linked)
    test = read_corpus("aae2-tree", aae2_dir, split="test", split_file=aae2_dir / "split.csv")
    assert [d.id for d in test] == ["essayfx2"]


def test_aae2_crlf_essay_isolated_for_claim_and_title(aae2_dir: Path):
    doc = by_id(_read(aae2_dir))["essayfx2"]
    assert "\r\n" in doc.text
    assert [(u.label.value, u.role.value) for u in doc.units] == [(C, PRO), (P, PRO), (C, PRO)]
    assert doc.units[1].text == "Practice at home fixes what was taught in class"
    assert doc.meta == {"corpus": "aae2", "split": "test", "title": "Is homework useful?"}
    assert doc.text.startswith("Is homework useful?")


def test_aae2_splits(aae2_dir: Path):
    assert [d.id for d in _read(aae2_dir)] == ["essayfx1", "essayfx2"]
    assert [d.id for d in _read(aae2_dir, split="train")] == ["essayfx1"]
    assert [d.id for d in _read(aae2_dir, split="test")] == ["essayfx2"]
    assert _read(aae2_dir, split="train")[0].meta["split"] == "train"


def test_aae2_finds_default_split_file_in_folder(aae2_copy: Path):
    (aae2_copy / "split.csv").rename(aae2_copy / "train-test-split.csv")
    assert [d.id for d in read_aae2(aae2_copy, split="train")] == ["essayfx1"]


def test_aae2_reads_brat_folder_directly_and_finds_split_beside_it(aae2_copy: Path):
    (aae2_copy / "split.csv").rename(aae2_copy / "train-test-split.csv")
    docs = read_aae2(aae2_copy / "brat-project-final", split="test")
    assert [d.id for d in docs] == ["essayfx2"]


def test_aae2_reads_brat_folder_directly_with_split_file(aae2_dir: Path):
    docs = read_aae2(
        aae2_dir / "brat-project-final", split="test", split_file=str(aae2_dir / "split.csv")
    )
    assert [d.id for d in docs] == ["essayfx2"]


def test_aae2_missing_split_file_raises_e106(aae2_dir: Path, tmp_path: Path):
    with pytest.raises(CorpusFormatError) as info:
        read_aae2(aae2_dir, split_file=tmp_path / "nope.csv")
    assert (info.value.code, info.value.path) == ("E106", str(tmp_path / "nope.csv"))


def test_aae2_without_split_file(aae2_copy: Path):
    (aae2_copy / "split.csv").unlink()
    docs = read_aae2(aae2_copy)
    assert [d.meta["split"] for d in docs] == [None, None]
    with pytest.raises(CorpusFormatError) as info:
        read_aae2(aae2_copy, split="train")
    assert info.value.code == "E106"


def test_aae2_split_file_any_line_ending(tmp_path: Path):
    for ending in (b"\r", b"\n", b"\r\n"):
        path = tmp_path / "split.csv"
        path.write_bytes(ending.join([b'"ID";"SET"', b'"essayfx1";"TRAIN"', b'"essayfx2";"TEST"']))
        assert read_split(path) == {"essayfx1": "train", "essayfx2": "test"}


def test_aae2_split_file_bad_row(tmp_path: Path):
    path = tmp_path / "split.csv"
    path.write_bytes(b'"ID";"SET"\r"essayfx1";"TRAIN"\r"essayfx2";"VALID"\r')
    with pytest.raises(CorpusFormatError) as info:
        read_split(path)
    assert (info.value.code, info.value.line, info.value.path) == ("E107", 3, str(path))


def test_aae2_unknown_split_raises_input_error(aae2_dir: Path):
    with pytest.raises(InputError) as info:
        read_aae2(aae2_dir, split="dev")
    assert info.value.code == "E301"


def test_aae2_empty_folder_raises_e106(tmp_path: Path):
    with pytest.raises(CorpusFormatError) as info:
        read_aae2(tmp_path)
    assert info.value.code == "E106"


def _rewrite(path: Path, old: str, new: str) -> None:
    content = path.read_text(encoding="utf-8")
    path.write_text(content.replace(old, new, 1), encoding="utf-8", newline="")


def test_aae2_text_mismatch_raises_e105(aae2_copy: Path):
    ann = aae2_copy / "brat-project-final" / "essayfx1.ann"
    _rewrite(ann, "drivers are careful", "drivers are carefu1")
    with pytest.raises(CorpusFormatError) as info:
        read_aae2(aae2_copy)
    assert (info.value.code, info.value.path, info.value.line) == ("E105", str(ann), 5)


def test_aae2_claim_without_stance_raises_e107(aae2_copy: Path):
    ann = aae2_copy / "brat-project-final" / "essayfx1.ann"
    _rewrite(ann, "A2\tStance T6 Against\n", "")
    with pytest.raises(CorpusFormatError) as info:
        read_aae2(aae2_copy)
    assert (info.value.code, info.value.path, info.value.line) == ("E107", str(ann), 10)


def test_aae2_against_claim_without_major_claim_raises_e107(aae2_copy: Path):
    ann = aae2_copy / "brat-project-final" / "essayfx1.ann"
    _rewrite(ann, "MajorClaim 25 66", "Claim 25 66")
    _rewrite(ann, "MajorClaim 339 373", "Claim 339 373")
    content = ann.read_text(encoding="utf-8")
    ann.write_text(content + "A3\tStance T1 For\nA4\tStance T9 For\n", encoding="utf-8")
    with pytest.raises(CorpusFormatError) as info:
        read_aae2(aae2_copy)
    assert info.value.code == "E107"
    assert info.value.line == 10


def test_aae2_unknown_relation_type_raises_e107(aae2_copy: Path):
    ann = aae2_copy / "brat-project-final" / "essayfx2.ann"
    _rewrite(ann, "supports", "Support")
    with pytest.raises(CorpusFormatError) as info:
        read_aae2(aae2_copy)
    assert (info.value.code, info.value.line) == ("E107", 3)


def test_aae2_dangling_relation_raises_e104(aae2_copy: Path):
    ann = aae2_copy / "brat-project-final" / "essayfx2.ann"
    _rewrite(ann, "Arg2:T1", "Arg2:T7")
    with pytest.raises(CorpusFormatError) as info:
        read_aae2(aae2_copy)
    assert (info.value.code, info.value.path, info.value.line) == ("E104", str(ann), 3)


# The real corpus: the README's totals, exactly.




@pytest.mark.corpora
def test_aae2_real_corpus_matches_readme(corpora_root: Path):
    folder = corpus_folder(corpora_root, "aae2")
    docs = read_corpus("aae2", folder)
    stats = corpus_stats("aae2", docs)
    assert stats["documents"] == 402
    assert stats["units"] == 6089
    assert stats["labels"] == {C: 1979, P: 3252, CA: 703, R: 155, "none": 0}
    kinds = [r.kind for d in docs for r in d.relations]
    # 3,613 supports; 219 attacks plus one attack per Against claim (278).
    assert kinds.count(RelationKind.SUPPORT) == 3613
    assert kinds.count(RelationKind.ATTACK) == 219 + 278
    linked = read_aae2(folder, link_for_claims=True)
    # With the tree view every For claim (1,228) also supports its essay's major claim.
    assert sum(r.kind == RelationKind.SUPPORT for d in linked for r in d.relations) == 3613 + 1228
    assert len(read_aae2(folder, split="train")) == 322
    assert len(read_aae2(folder, split="test")) == 80
    assert all(d.meta["title"] and d.text.startswith(d.meta["title"]) for d in docs)
