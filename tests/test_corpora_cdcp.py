from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import by_id, corpus_folder, link_ids

from argmine.corpora import corpus_stats, read_corpus
from argmine.corpora.cdcp import read_cdcp
from argmine.errors import CorpusFormatError, InputError
from argmine.schema import RelationKind

C, P, N = "claim", "premise", "none"
SUP = RelationKind.SUPPORT


@pytest.fixture
def cdcp_dir(fixtures_dir: Path) -> Path:
    return fixtures_dir / "cdcp"


@pytest.fixture
def cdcp_copy(cdcp_dir: Path, tmp_path: Path) -> Path:
    """A writable copy of the fixture, for tests that break a file."""
    target = tmp_path / "cdcp"
    shutil.copytree(cdcp_dir, target)
    return target






def _edit(path: Path, **changes: object) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    data.update(changes)
    path.write_text(json.dumps(data), encoding="utf-8")


def test_cdcp_labels_chain_range_and_extra_link(cdcp_dir: Path):
    doc = by_id(read_cdcp(cdcp_dir))["00001"]
    assert [u.label.value for u in doc.units] == [C, P, P, P, N]
    assert [None if u.role is None else u.role.value for u in doc.units] == [
        "proponent", "proponent", "proponent", "proponent", None
    ]
    # [[2, 3], 1] links 2 and 3 to 1; 3's second link (evidence for 0) is set aside.
    assert link_ids(doc) == {("1", "0", SUP), ("2", "1", SUP), ("3", "1", SUP)}
    assert doc.meta["extra_links"] == [[3, 0, "support"]]
    assert doc.meta["prop_types"] == ["policy", "value", "testimony", "testimony", "value"]
    for unit in doc.units:
        assert unit.text == doc.text[unit.start : unit.end]
    doc.validate()


def test_cdcp_target_reached_only_by_extra_link_is_claim(cdcp_dir: Path):
    doc = by_id(read_cdcp(cdcp_dir))["00002"]
    assert [u.label.value for u in doc.units] == [C, C, P, N]
    assert doc.units[1].role.value == "proponent"
    assert link_ids(doc) == {("2", "0", SUP)}
    assert doc.meta["extra_links"] == [[2, 1, "support"]]
    assert doc.meta["urls"] == {"3": "http://example.org/calls"}


def test_cdcp_splits(cdcp_dir: Path):
    docs = read_cdcp(cdcp_dir)
    assert [(d.id, d.meta["split"]) for d in docs] == [("00001", "train"), ("00002", "test")]
    assert [d.id for d in read_cdcp(cdcp_dir, split="test")] == ["00002"]
    assert [d.id for d in read_cdcp(cdcp_dir / "train")] == ["00001"]
    assert read_cdcp(cdcp_dir / "train")[0].meta["split"] == "train"
    assert [d.id for d in read_corpus("cdcp", cdcp_dir, split="train")] == ["00001"]
    with pytest.raises(InputError) as info:
        read_cdcp(cdcp_dir, split="dev")
    assert info.value.code == "E301"


def test_cdcp_empty_folder_raises_e106(tmp_path: Path):
    with pytest.raises(CorpusFormatError) as info:
        read_cdcp(tmp_path)
    assert info.value.code == "E106"


def test_cdcp_missing_text_raises_e009(cdcp_copy: Path):
    (cdcp_copy / "train" / "00001.txt").unlink()
    with pytest.raises(CorpusFormatError) as info:
        read_cdcp(cdcp_copy)
    assert (info.value.code, info.value.path) == ("E009", str(cdcp_copy / "train" / "00001.txt"))


def test_cdcp_bad_json_raises_e107_with_line(cdcp_copy: Path):
    path = cdcp_copy / "test" / "00002.ann.json"
    path.write_text('{"prop_offsets": [[0, 39]],\n "reasons": [}', encoding="utf-8")
    with pytest.raises(CorpusFormatError) as info:
        read_cdcp(cdcp_copy)
    assert (info.value.code, info.value.path, info.value.line) == ("E107", str(path), 2)


def test_cdcp_offsets_outside_text_raise_e103(cdcp_copy: Path):
    path = cdcp_copy / "test" / "00002.ann.json"
    _edit(path, prop_offsets=[[0, 39], [39, 71], [71, 98], [98, 999]])
    with pytest.raises(CorpusFormatError) as info:
        read_cdcp(cdcp_copy)
    assert (info.value.code, info.value.path, info.value.line) == (
        "E103", str(path), "prop_offsets[3]"
    )


def test_cdcp_dangling_link_raises_e104(cdcp_copy: Path):
    path = cdcp_copy / "train" / "00001.ann.json"
    _edit(path, evidences=[[[3, 3], 7]])
    with pytest.raises(CorpusFormatError) as info:
        read_cdcp(cdcp_copy)
    assert (info.value.code, info.value.path, info.value.line) == (
        "E104", str(path), "evidences[0]"
    )


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"reasons": [[1, 0]]}, "reasons[0]"),
        ({"reasons": [[[1, 1], 1]]}, "reasons[0]"),
        ({"prop_offsets": [[0, "x"]]}, "prop_offsets[0]"),
        ({"prop_labels": ["policy"]}, "prop_labels"),
    ],
)
def test_cdcp_malformed_entries_raise_e107(cdcp_copy: Path, change: dict, where: str):
    path = cdcp_copy / "train" / "00001.ann.json"
    _edit(path, **change)
    with pytest.raises(CorpusFormatError) as info:
        read_cdcp(cdcp_copy)
    assert (info.value.code, info.value.path, info.value.line) == ("E107", str(path), where)


def test_cdcp_cycle_link_set_aside_keeps_premise(cdcp_copy: Path):
    path = cdcp_copy / "test" / "00002.ann.json"
    _edit(path, reasons=[[[2, 2], 0], [[0, 0], 2]])
    doc = by_id(read_cdcp(cdcp_copy))["00002"]
    assert link_ids(doc) == {("2", "0", SUP)}
    assert doc.meta["extra_links"] == [[0, 2, "support"]]
    # 0 is a source (README: premise) even though its link could not join the tree.
    assert [u.label.value for u in doc.units] == [P, N, P, N]


# The real corpus: the README's totals, exactly.




@pytest.mark.corpora
def test_cdcp_real_corpus_matches_readme(corpora_root: Path):
    folder = corpus_folder(corpora_root, "cdcp")
    docs = read_corpus("cdcp", folder)
    stats = corpus_stats("cdcp", docs)
    assert stats["documents"] == 731
    assert stats["units"] == 4932
    assert stats["labels"] == {C: 878, P: 1292, "counterargument": 0, "rebuttal": 0, N: 2762}
    assert [d.meta["split"] for d in docs].count("train") == 581
    assert len(read_cdcp(folder, split="test")) == 150
    types = [t for d in docs for t in d.meta["prop_types"]]
    assert {t: types.count(t) for t in set(types)} == {
        "value": 2182, "testimony": 1117, "policy": 815, "fact": 786, "reference": 32
    }
    for doc in docs:
        doc.validate()
