"""Issue 20, round trip: what ``argmine tree`` writes is corrected by a person and read back.

The tree JSON (and ``Document.to_dict``) is a ``jsonl:`` corpus as it is; the brat export
(``.txt`` + ``.ann`` + ``annotation.conf``) reads back losslessly as a ``brat:`` corpus; a
correction that breaks the scheme is a coded error naming the document and the unit.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from argmine.cli.app import main
from argmine.corpora import read_corpus
from argmine.corpora.brat_argmine import read_brat
from argmine.document import Document, Relation, Unit
from argmine.errors import CorpusFormatError, InputError
from argmine.export import to_json
from argmine.export._brat import ANNOTATION_CONF, brat_file_stem, to_brat, write_brat
from argmine.schema import Label, RelationKind, Role, labels_from_links

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "round-trip" / "brat"


def _shape(doc: Document):
    units = [(u.index, u.text, u.start, u.end, u.label) for u in doc.units]
    return doc.id, doc.text, units, [(r.source, r.target, r.kind) for r in doc.relations]


@pytest.fixture()
def gold(tmp_path) -> Document:
    """The hand-written brat fixture: claim, premise, counterargument, rebuttal, none."""
    return read_brat(FIXTURE)[0]


# --------------------------------------------------------------------------- JSON / JSONL


def test_brat_fixture_reads_as_the_scheme_says(gold):
    assert gold.id == "night-bus"
    assert [u.label for u in gold.units] == [Label.CLAIM, Label.PREMISE, Label.COUNTERARGUMENT,
                                              Label.REBUTTAL, Label.NONE]
    assert [u.role for u in gold.units] == [Role.PROPONENT, Role.PROPONENT, Role.OPPONENT,
                                             Role.PROPONENT, None]
    assert [u.id for u in gold.units] == ["T1", "T2", "T3", "T4", "T5"]
    assert [u.paragraph for u in gold.units] == [0, 1, 1, 1, 2]
    assert [(r.source, r.target, r.kind.value) for r in gold.relations] == [
        (1, 0, "support"), (2, 0, "attack"), (3, 2, "attack")]
    gold.validate()


def test_document_to_dict_lines_are_a_jsonl_corpus(tmp_path, tiny_documents):
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps(d.to_dict()) + "\n" for d in tiny_documents), "utf-8")
    back = read_corpus("jsonl", path)
    assert [_shape(d) for d in back] == [_shape(d) for d in tiny_documents]
    assert [[u.role for u in d.units] for d in back] == [
        [u.role for u in d.units] for d in tiny_documents]
    assert [d.paragraphs for d in back] == [d.paragraphs for d in tiny_documents]


def test_tree_json_of_a_document_reads_back_unchanged(tmp_path, gold):
    path = tmp_path / "tree.jsonl"
    path.write_text(to_json(gold, indent=None) + "\n", encoding="utf-8")
    back = read_corpus("jsonl", path)[0]
    # The tree JSON holds no document text: units sit at their offsets, gaps are spaces.
    assert back.id == gold.id
    assert [(u.text, u.start, u.end, u.label, u.role) for u in back.units] == [
        (u.text, u.start, u.end, u.label, u.role) for u in gold.units]
    assert back.relations == gold.relations
    assert back.meta["corpus"] == "jsonl"


def _edit(record: dict) -> tuple[int, int]:
    """Correct one document of the tree JSON as a person would, keeping it valid.

    A unit that nothing links to is re-attached to a claim as an attacking
    counterargument; its label and its link change. Returns ``(unit, claim)``.
    """
    units = record["units"]
    claims = [u["index"] for u in units if u["label"] == "claim" and u["parent"] is None]
    if not claims:  # no argument found: the annotator makes the first unit the claim
        units[0]["label"] = "claim"
        claims = [0]
    has_child = {u["parent"] for u in units if u["parent"] is not None}
    leaf = next(u["index"] for u in units if u["index"] not in has_child
                and u["index"] != claims[0])
    units[leaf].update(label="counterargument", parent=claims[0], relation="attack")
    return leaf, claims[0]


def test_tree_output_corrected_by_a_person_trains_a_model(
        capsys, tmp_path, tiny_model_dir, torch_single_thread):
    texts = ["Museums should be free.\n\nCulture belongs to all citizens. Some say tickets "
             "pay the guards. Taxes pay them already.",
             "The city needs more bike lanes. Cycling is healthy. Cars are faster though.",
             "We should plant trees. They give shade. They cost little to water."]
    inputs = []
    for i, text in enumerate(texts):
        inputs.append(tmp_path / f"in{i}.txt")
        inputs[-1].write_text(text, encoding="utf-8")
    status = main(["tree", "--model", str(tiny_model_dir), "--format", "json",
                   *map(str, inputs)])
    out = capsys.readouterr().out
    assert status == 0
    records = [json.loads(line) for line in out.splitlines()]
    unedited = tmp_path / "tree.jsonl"
    unedited.write_text(out, encoding="utf-8")
    for record, doc in zip(records, read_corpus("jsonl", unedited)):  # as it is
        assert doc.id == record["doc"]
        assert [u.label.value for u in doc.units] == [u["label"] for u in record["units"]]
        assert [(r.source, r.target, r.kind.value) for r in doc.relations] == [
            (u["index"], u["parent"], u["relation"]) for u in record["units"]
            if u["parent"] is not None]

    leaf, claim = _edit(records[0])
    corrected = tmp_path / "my-corrections.jsonl"
    corrected.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    docs = read_corpus("jsonl", corrected)
    assert len(docs) == 3
    assert docs[0].units[leaf].label is Label.COUNTERARGUMENT
    assert docs[0].units[leaf].role is Role.OPPONENT
    assert Relation(leaf, claim, RelationKind.ATTACK) in docs[0].relations
    assert docs[0].units[claim].label is Label.CLAIM

    from argmine.scoring.config import TrainingConfig
    from argmine.scoring.model import ArgumentModel

    config = TrainingConfig(epochs=1, trainable_layers=1, batch_units=16, seed=0)
    model = ArgumentModel(config).fit(docs, init_from=tiny_model_dir, progress=False)
    assert len(model.history_) == 1

    # The same corrections adapt the shipped model from the command line; the new model's
    # card names the model it started from beside the data it was adapted on.
    capsys.readouterr()
    status = main(["train", "--init", "default", "--corpus", f"jsonl:{corrected}",
                   "--dev", f"jsonl:{unedited}", "--epochs", "1", "--trainable-layers", "1",
                   "--output", str(tmp_path / "adapted"), "--quiet"])
    assert status == 0, capsys.readouterr().err
    card = (tmp_path / "adapted" / "README.md").read_text(encoding="utf-8")
    assert "Adapted from `default`" in card
    assert f"`jsonl:{corrected}` (3 documents)" in card
    config = json.loads((tmp_path / "adapted" / "config.json").read_text(encoding="utf-8"))
    assert config["base_model"]["model"] == "default"
    # Adapting lowers both learning rates to the fraction bench adapt measured best.
    assert config["training"]["learning_rate"] == pytest.approx(1e-4 / 3)
    assert config["training"]["head_learning_rate"] == pytest.approx(1e-3 / 3)


# --------------------------------------------------------------------------- brat


def test_brat_export_of_the_fixture_is_the_fixture(tmp_path, gold):
    written = write_brat([gold], tmp_path / "out")
    assert [p.name for p in written] == ["night-bus.ann"]
    assert written[0].read_bytes() == (FIXTURE / "night-bus.ann").read_bytes()
    assert (tmp_path / "out" / "night-bus.txt").read_bytes() == \
        (FIXTURE / "night-bus.txt").read_bytes()
    conf = (tmp_path / "out" / "annotation.conf").read_text(encoding="utf-8")
    assert conf == ANNOTATION_CONF
    for needed in ("[entities]", "Claim", "Premise", "Counterargument", "Rebuttal", "None",
                   "[relations]", "supports\tArg1:", "attacks\tArg1:"):
        assert needed in conf
    assert _shape(read_corpus("brat", tmp_path / "out")[0]) == _shape(gold)


def test_brat_and_jsonl_give_the_same_corpus(tmp_path, gold):
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(gold.to_dict()) + "\n", encoding="utf-8")
    back = read_corpus("jsonl", path)[0]
    assert _shape(back) == _shape(gold)
    assert [u.role for u in back.units] == [u.role for u in gold.units]


def test_brat_reader_takes_any_case_and_singular_kinds(tmp_path):
    (tmp_path / "d.txt").write_text("Act. It pays.", encoding="utf-8")
    (tmp_path / "d.ann").write_text("T1\tclaim 0 4\tAct.\nT2\tPREMISE 5 13\tIt pays.\n"
                                    "R1\tsupport Arg1:T2 Arg2:T1\n", encoding="utf-8")
    doc = read_corpus("brat", tmp_path)[0]
    assert [u.label for u in doc.units] == [Label.CLAIM, Label.PREMISE]
    assert doc.relations == (Relation(1, 0, RelationKind.SUPPORT),)


def test_brat_export_refuses_unlabelled_units():
    with pytest.raises(InputError) as info:
        to_brat(Document("d", "Act.", (Unit(0, "Act.", 0, 4),)))
    assert info.value.code == "E011" and "no label" in str(info.value)


def test_brat_file_stem_keeps_any_id():
    for doc_id in ["essay01", "a/b c.txt", "..", ".hidden", "100%", "Ünïcødé:1"]:
        stem = brat_file_stem(doc_id)
        assert "/" not in stem and not stem.startswith(".")
        from urllib.parse import unquote

        assert unquote(stem) == doc_id


odd_text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)


@st.composite
def valid_documents(draw) -> Document:
    """Random documents that follow the scheme: a forest, labels from the links."""
    n = draw(st.integers(1, 7))
    order = draw(st.permutations(range(n)))
    links = []
    for k, i in enumerate(order[1:], start=1):
        parent = draw(st.none() | st.sampled_from(order[:k]))
        if parent is not None:
            links.append((i, parent, draw(st.sampled_from(list(RelationKind)))))
    derived = labels_from_links(n, links)
    text, units = "", []
    for i in range(n):
        if i:
            text += draw(st.sampled_from([" ", "\n", "\n\n", " \t ", "\r\n", ""]))
        piece = draw(odd_text)
        label, role = derived[i]
        if role is None and draw(st.booleans()):  # a unit in no link: none or a claim
            label, role = Label.CLAIM, Role.PROPONENT
        units.append(Unit(i, piece, len(text), len(text) + len(piece), label=label,
                          role=role))
        text += piece
    relations = tuple(Relation(s, t, k) for s, t, k in draw(st.permutations(links)))
    return Document(draw(odd_text), text, tuple(units), relations).validate()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(valid_documents())
def test_brat_out_then_in_is_lossless(tmp_path_factory, doc):
    folder = tmp_path_factory.mktemp("brat")
    write_brat([doc], folder)
    back = read_corpus("brat", folder)
    assert len(back) == 1
    assert _shape(back[0]) == _shape(doc)
    assert [u.role for u in back[0].units] == [u.role for u in doc.units]
    assert to_brat(back[0]) == to_brat(doc)
    back[0].validate()


# --------------------------------------------------------------------------- broken schemes

_RELATIONS = ["R1\tsupports Arg1:T2 Arg2:T1\t", "R2\tattacks Arg1:T3 Arg2:T1\t",
              "R3\tattacks Arg1:T4 Arg2:T3\t"]


def _brat_case(tmp_path: Path, change) -> Path:
    folder = tmp_path / "corrected"
    shutil.copytree(FIXTURE, folder)
    ann = folder / "night-bus.ann"
    lines = ann.read_text(encoding="utf-8").splitlines()
    ann.write_text("\n".join(change(lines)) + "\n", encoding="utf-8")
    return folder


def _overlap(lines):
    text = (FIXTURE / "night-bus.txt").read_text(encoding="utf-8")
    return [f"T2\tPremise 37 90\t{text[37:90]}", *[x for x in lines if x.split("\t")[0] != "T2"]]


BRAT_CASES = {
    "E120": (_overlap, "T3"),
    "E121": (lambda ls: [x.replace("Arg2:T1", "Arg2:T9") if x.startswith("R1") else x
                         for x in ls], "T9"),
    "E122": (lambda ls: [*ls, "R4\tsupports Arg1:T2 Arg2:T4\t"], "T2"),
    "E123": (lambda ls: [*ls, "R4\tsupports Arg1:T1 Arg2:T2\t"], "T1"),
    "E124": (lambda ls: [x for x in ls if not x.startswith("R3")], "T4"),
    "E125": (lambda ls: [x.replace("Premise", "Counterargument") for x in ls], "T2"),
}


@pytest.mark.parametrize("code", sorted(BRAT_CASES))
def test_brat_correction_that_breaks_the_scheme_is_a_coded_error(tmp_path, code):
    change, unit = BRAT_CASES[code]
    folder = _brat_case(tmp_path, change)
    with pytest.raises(CorpusFormatError) as info:
        read_corpus("brat", folder)
    assert info.value.code == code
    message = str(info.value)
    assert "'night-bus'" in message and unit in message
    assert info.value.path == str(folder / "night-bus.ann")


def test_brat_label_against_links_names_both(tmp_path):
    folder = _brat_case(tmp_path, lambda ls: [x.replace("supports", "attacks") for x in ls])
    with pytest.raises(CorpusFormatError) as info:
        read_corpus("brat", folder)
    message = str(info.value)
    assert info.value.code == "E125" and info.value.line == 2
    assert "'premise'" in message and "'counterargument'" in message and "T2" in message


def _unit_edit(index: int, **fields):
    def change(record):
        record["units"][index].update(fields)
    return change


def _add_relation(record):
    record["relations"] = [{"source": 1, "target": 3, "kind": "support"}]


JSONL_CASES = {
    "E120": (_unit_edit(1, end=90, text="x" * 53), "#2"),
    "E121": (_unit_edit(1, parent=9), "#1"),
    "E122": (_add_relation, "#1"),
    "E123": (_unit_edit(0, parent=1, relation="support"), "#0"),
    "E124": (_unit_edit(3, parent=None, relation=None), "#3"),
    "E125": (_unit_edit(1, label="counterargument"), "#1"),
}


@pytest.mark.parametrize("code", sorted(JSONL_CASES))
def test_jsonl_correction_that_breaks_the_scheme_is_a_coded_error(tmp_path, gold, code):
    change, unit = JSONL_CASES[code]
    good = json.loads(to_json(gold, indent=None))
    record = json.loads(to_json(gold, indent=None))
    change(record)
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(record) + "\n", encoding="utf-8")
    with pytest.raises(CorpusFormatError) as info:
        read_corpus("jsonl", path)
    assert info.value.code == code
    assert (info.value.path, info.value.line) == (str(path), 2)
    assert "'night-bus'" in str(info.value) and unit in str(info.value)


def test_jsonl_relations_list_to_a_missing_unit_is_e121(tmp_path, gold):
    record = gold.to_dict()
    record["relations"][0]["target"] = 17
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    with pytest.raises(CorpusFormatError) as info:
        read_corpus("jsonl", path)
    assert info.value.code == "E121" and "17" in str(info.value)


def test_jsonl_labels_only_corpus_is_not_checked_against_links(tmp_path):
    # The older schema: labels without any link are a label-only corpus, read as before.
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"id": "a", "units": [{"text": "Yes.", "label": "rebuttal"},
                                                     {"text": "No.", "label": "premise"}]})
                    + "\n", encoding="utf-8")
    doc = read_corpus("jsonl", path)[0]
    assert [u.label for u in doc.units] == [Label.REBUTTAL, Label.PREMISE]
    assert doc.relations == () and doc.text == "Yes. No."


def test_cli_corpus_brat_writes_a_folder_that_reads_back(tmp_path, gold, capsys):
    out = tmp_path / "to-correct"
    assert main(["corpus", "brat", "brat", str(FIXTURE), "--output", str(out)]) == 0
    assert "wrote 1 document and annotation.conf" in capsys.readouterr().out
    assert (out / "annotation.conf").read_text() == ANNOTATION_CONF
    assert _shape(read_brat(out)[0]) == _shape(gold)
