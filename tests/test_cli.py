"""Tests for argmine/cli/: the commands run in-process through ``main``, plus one subprocess."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import argmine
from argmine.cli.app import COMMANDS, main
from argmine.errors import InputError
from argmine.pipeline import load
from argmine.schema import LABELS
from argmine.scoring.features import PAIR_FEATURES

TEXT = (
    "Cities should ban cars. Exhaust fumes make the air unhealthy. "
    "Some say shops would lose customers.\n"
    "But pedestrians spend more money in town.\n"
)
LABEL_NAMES = {label.value for label in LABELS}
RECORD_KEYS = {"doc", "index", "start", "end", "text", "label", "label_source", "score",
               "scores"}
SEGMENT_LINE = re.compile(r"^(\S+)\t\s*(\d+)  \[\s*(\d+):(\d+)\s*\] p(\d+)\s+(.*)$")


@pytest.fixture
def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "cars.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


@pytest.fixture
def jsonl_file(tmp_path: Path) -> Path:
    path = tmp_path / "input.jsonl"
    lines = [
        {"id": "a", "text": "Museums should be free. Culture belongs to all citizens."},
        {"id": "b", "units": ["Voting should be compulsory,", " as everyone is affected."]},
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n\n", encoding="utf-8")
    return path


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def _jsonl(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


# --------------------------------------------------------------------------- app


def test_cli_without_command_prints_help_and_fails(capsys):
    status, out, err = _run(capsys)
    assert status == 2
    assert "usage: argmine" in err


def test_cli_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert argmine.__version__ in capsys.readouterr().out


def test_cli_python_m_argmine_help():
    result = subprocess.run([sys.executable, "-m", "argmine", "--help"], capture_output=True,
                            text=True, timeout=120, cwd=Path(__file__).resolve().parents[1])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: argmine")
    for command in ("segment", "corpus", "label", "tree", "train", "evaluate"):
        assert command in result.stdout


def test_cli_registers_every_existing_command_module():
    from argmine.cli.app import build_parser

    parser = build_parser()
    choices = next(a for a in parser._actions if a.dest == "command").choices
    for name in COMMANDS:
        module = Path(argmine.__file__).parent / "cli" / f"{name}.py"
        assert (name in choices) == module.is_file()


# --------------------------------------------------------------------------- segment


def test_cli_segment_table_spans_slice_back(capsys, text_file: Path):
    status, out, _ = _run(capsys, "segment", text_file)
    assert status == 0
    lines = out.splitlines()
    assert len(lines) == 4
    for i, line in enumerate(lines):
        doc, index, start, end, paragraph, text = SEGMENT_LINE.match(line).groups()
        assert doc == text_file.as_posix()  # the path as given, as label and tree name it
        assert int(index) == i
        assert TEXT[int(start) : int(end)] == text
    assert [SEGMENT_LINE.match(x).group(5) for x in lines] == ["0", "0", "0", "1"]


def test_cli_segment_jsonl_spans_slice_back(capsys, text_file: Path):
    status, out, _ = _run(capsys, "segment", "--format", "jsonl", text_file)
    assert status == 0
    records = _jsonl(out)
    assert [r["index"] for r in records] == [0, 1, 2, 3]
    for r in records:
        assert set(r) == {"doc", "index", "start", "end", "paragraph", "text"}
        assert TEXT[r["start"] : r["end"]] == r["text"]
    assert records[0]["text"] == "Cities should ban cars."


def test_cli_segment_reads_standard_input(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(TEXT.encode("utf-8"))))
    status, out, _ = _run(capsys, "segment", "--format", "jsonl", "-")
    assert status == 0
    records = _jsonl(out)
    assert {r["doc"] for r in records} == {"stdin"}
    assert len(records) == 4


def test_cli_segment_presegmented_jsonl_passes_units_through(capsys, jsonl_file: Path):
    status, out, _ = _run(capsys, "segment", "--format", "jsonl", "--input-format", "jsonl",
                          jsonl_file)
    assert status == 0
    records = _jsonl(out)
    assert [(r["doc"], r["text"]) for r in records] == [
        ("a", "Museums should be free."), ("a", "Culture belongs to all citizens."),
        ("b", "Voting should be compulsory,"), ("b", "as everyone is affected."),
    ]


def test_cli_segment_several_files(capsys, text_file: Path, tmp_path: Path):
    other = tmp_path / "other.txt"
    other.write_text("One. Two.", encoding="utf-8")
    status, out, _ = _run(capsys, "segment", "--format", "jsonl", text_file, other)
    assert status == 0
    assert [r["doc"] for r in _jsonl(out)] == [text_file.as_posix()] * 4 + [other.as_posix()] * 2


def test_cli_segment_folder_ids_match_label(capsys, tmp_path: Path, tiny_baseline_dir):
    folder = tmp_path / "corpus"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("One. Two.", encoding="utf-8")
    (folder / "sub" / "b.txt").write_text("Three.", encoding="utf-8")
    (folder / "skip.md").write_text("Not a text file.", encoding="utf-8")
    status, out, _ = _run(capsys, "segment", "--format", "jsonl", folder)
    assert status == 0
    segmented = [r["doc"] for r in _jsonl(out)]
    assert segmented == ["a.txt", "a.txt", "sub/b.txt"]
    status, out, _ = _run(capsys, "label", "--model", tiny_baseline_dir, folder)
    assert status == 0
    assert [r["doc"] for r in _jsonl(out)] == segmented


def test_cli_segment_max_chars(capsys, text_file: Path):
    status, out, err = _run(capsys, "segment", "--max-chars", "10", text_file)
    assert status == 1
    assert "E005" in err and str(text_file) in err


# --------------------------------------------------------------------------- corpus


def test_cli_corpus_stats_json(capsys, fixtures_dir: Path):
    status, out, _ = _run(capsys, "corpus", "stats", "--format", "json", "microtexts",
                          fixtures_dir / "microtexts" / "part1")
    assert status == 0
    assert json.loads(out) == {
        "corpus": "microtexts", "documents": 2, "units": 10,
        "labels": {"claim": 2, "premise": 3, "counterargument": 3, "rebuttal": 2, "none": 0},
    }


def test_cli_corpus_stats_table(capsys, fixtures_dir: Path):
    status, out, _ = _run(capsys, "corpus", "stats", "--format", "table", "microtexts",
                          fixtures_dir / "microtexts" / "part1")
    assert status == 0
    assert out.splitlines()[0] == "microtexts: 2 documents, 10 units"
    assert re.search(r"^\s+counterargument\s+3$", out, re.MULTILINE)


def test_cli_corpus_stats_sentence_level(capsys, fixtures_dir: Path):
    status, out, _ = _run(capsys, "corpus", "stats", "--level", "sentence", "aae2",
                          fixtures_dir / "aae2")
    assert status == 0
    stats = json.loads(out)
    assert (stats["documents"], stats["units"]) == (2, 12)
    assert sum(stats["labels"].values()) == 12


def test_cli_corpus_stats_missing_folder(capsys, tmp_path: Path):
    status, _, err = _run(capsys, "corpus", "stats", "microtexts", tmp_path / "nowhere")
    assert status == 1
    assert "E106" in err and "nowhere" in err
    assert "Traceback" not in err


# --------------------------------------------------------------------------- label


def _check_record(rec: dict, text: str) -> None:
    assert set(rec) == RECORD_KEYS
    assert text[rec["start"] : rec["end"]] == rec["text"]
    assert rec["label"] in LABEL_NAMES
    assert set(rec["scores"]) == LABEL_NAMES
    assert sum(rec["scores"].values()) == pytest.approx(1.0, abs=1e-3)
    assert rec["score"] == pytest.approx(rec["scores"][rec["label"]], abs=1e-4)
    if rec["label_source"] == "classifier":
        assert rec["score"] == max(rec["scores"].values())
    else:
        assert rec["label_source"] == "decoded"


def test_cli_label_jsonl(capsys, text_file: Path, tiny_model_dir: Path):
    status, out, _ = _run(capsys, "label", "--model", tiny_model_dir, "--format", "jsonl",
                          text_file)
    assert status == 0
    records = _jsonl(out)
    assert len(records) == 4 and len(out.splitlines()) == 4
    assert [r["index"] for r in records] == [0, 1, 2, 3]
    assert {r["doc"] for r in records} == {str(text_file)}  # a named file's id is its path
    for rec in records:
        _check_record(rec, TEXT)
    # The CLI reports what the library predicts.
    units = load(tiny_model_dir).label(TEXT)
    assert [r["label"] for r in records] == [u.label.value for u in units]


@pytest.mark.parametrize("flag", [[], ["--classifier-labels"]])
def test_cli_label_labels_limits_the_labels(capsys, text_file: Path, tiny_model_dir: Path,
                                            flag):
    status, out, _ = _run(capsys, "label", "--model", tiny_model_dir, *flag, "--labels",
                          "claim,premise", text_file)
    assert status == 0
    records = _jsonl(out)
    assert records and {r["label"] for r in records} <= {"claim", "premise"}
    assert all(r["scores"]["none"] == r["scores"]["rebuttal"] == 0 for r in records)
    free = _jsonl(_run(capsys, "label", "--model", tiny_model_dir, *flag, text_file)[1])
    assert any(r["scores"]["none"] > 0 for r in free)  # the limit, not the model, did it


def test_cli_label_csv_has_a_header(capsys, text_file: Path, tiny_baseline_dir: Path):
    status, out, _ = _run(capsys, "label", "--model", tiny_baseline_dir, "--format", "csv",
                          text_file)
    assert status == 0
    rows = list(csv.reader(io.StringIO(out)))
    expected = ["doc", "index", "start", "end", "text", "label", "label_source", "score"]
    expected += [f"p_{label.value}" for label in LABELS]
    assert rows[0] == expected
    assert len(rows) == 1 + 4
    for row in list(csv.DictReader(io.StringIO(out))):
        assert TEXT[int(row["start"]) : int(row["end"])] == row["text"]
        assert row["label"] in LABEL_NAMES
        assert float(row["score"]) == float(row[f"p_{row['label']}"])


def test_cli_label_table(capsys, monkeypatch, text_file: Path, tiny_baseline_dir: Path):
    monkeypatch.chdir(text_file.parent)
    status, out, _ = _run(capsys, "label", "--model", tiny_baseline_dir, "--format", "table",
                          text_file.name)
    assert status == 0
    header, *lines = out.splitlines()
    assert header.split()[:5] == ["doc", "#", "label", "score", "text"]
    assert "decoded" in header  # which labels these are
    assert len(lines) == 4
    for i, line in enumerate(lines):
        fields = line.split()
        assert fields[0] == "cars.txt"
        assert fields[1] == str(i)
        assert fields[2] in LABEL_NAMES
        assert 0.0 <= float(fields[3]) <= 1.0
    assert lines[0].endswith("Cities should ban cars.")


def test_cli_label_jsonl_input(capsys, jsonl_file: Path, tiny_model_dir: Path):
    status, out, _ = _run(capsys, "label", "--model", tiny_model_dir, "--input-format", "jsonl",
                          jsonl_file)
    assert status == 0
    records = _jsonl(out)
    assert [(r["doc"], r["index"]) for r in records] == [("a", 0), ("a", 1), ("b", 0), ("b", 1)]
    assert [r["text"] for r in records if r["doc"] == "b"] == [
        "Voting should be compulsory,", "as everyone is affected."]
    for rec in records:
        assert set(rec) == RECORD_KEYS
        assert rec["label"] in LABEL_NAMES


@pytest.mark.parametrize(
    "line, number",
    [('{"id": "x"}', 2), ("not json", 2), ("[1, 2]", 2), ('{"id": "x", "text": ""}', 2)],
)
def test_cli_label_bad_jsonl_line(capsys, tmp_path, tiny_baseline_dir, line, number):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "ok", "text": "Fine."}\n' + line + "\n", encoding="utf-8")
    status, _, err = _run(capsys, "label", "--model", tiny_baseline_dir, "--input-format",
                          "jsonl", path)
    assert status == 1
    assert str(path) in err and f":{number}" in err
    assert re.search(r"\[E0(10|02)\]", err)
    assert "Traceback" not in err


def test_cli_label_unknown_model(capsys, text_file: Path, tmp_path: Path):
    status, _, err = _run(capsys, "label", "--model", tmp_path / "no-model", text_file)
    assert status == 1
    assert "E204" in err and "no-model" in err


# --------------------------------------------------------------------------- tree


def test_cli_tree_json_schema(capsys, text_file: Path, tiny_model_dir: Path, tmp_path: Path):
    other = tmp_path / "museums.txt"
    other.write_text("Museums should be free. Culture belongs to all citizens.", "utf-8")
    status, out, _ = _run(capsys, "tree", "--model", tiny_model_dir, "--format", "json",
                          text_file, other)
    assert status == 0
    lines = out.splitlines()
    assert len(lines) == 2  # one JSON document per line
    docs = [json.loads(line) for line in lines]
    assert [d["doc"] for d in docs] == [str(text_file), str(other)]
    for doc in docs:
        assert set(doc) == {"doc", "units", "trees"}
        units = doc["units"]
        assert [u["index"] for u in units] == list(range(len(units)))
        for u in units:
            assert set(u) == {"index", "text", "start", "end", "label", "role", "parent",
                              "relation", "score"}
            assert u["label"] in LABEL_NAMES
            assert u["role"] in (None, "proponent", "opponent")
            assert (u["parent"] is None) == (u["relation"] is None)
            assert u["relation"] in (None, "support", "attack")
            assert 0.0 <= u["score"] <= 1.0
        in_trees = set()
        for tree in doc["trees"]:
            assert set(tree) == {"root", "summary", "units"}
            assert tree["root"] in tree["units"]
            assert units[tree["root"]]["label"] == "claim"
            assert units[tree["root"]]["parent"] is None
            assert tree["summary"].startswith(units[tree["root"]]["text"])
            assert not in_trees & set(tree["units"])
            in_trees |= set(tree["units"])
            for index in tree["units"]:
                if index != tree["root"]:
                    assert units[index]["parent"] in tree["units"]
    first = docs[0]
    assert [u["text"] for u in first["units"]] == [
        TEXT[u["start"] : u["end"]] for u in first["units"]]


@pytest.mark.parametrize(
    "fmt, check",
    [
        ("text", lambda out: re.match(r"== \S+cars\.txt ==\nArgument 1 of 1: Cities should "
                                      "ban cars.", out)),
        ("aif", lambda out: "nodes" in json.loads(out)["AIF"]),
        ("dot", lambda out: out.startswith('digraph "') and "cars.txt" in out.split("\n")[0]
         and out.rstrip().endswith("}")),
        ("mermaid", lambda out: re.match(r"## \S+cars\\\.txt\n\n```mermaid\nflowchart", out)
         and "-->" in out and out.endswith("```\n\n")),
        ("html", lambda out: out.lstrip().lower().startswith("<!doctype html")
         and "</html>" in out),
    ],
)
def test_cli_tree_formats(capsys, text_file: Path, tiny_baseline_dir: Path, fmt, check):
    status, out, _ = _run(capsys, "tree", "--model", tiny_baseline_dir, "--single-root",
                          "--format", fmt, text_file)
    assert status == 0
    assert out.endswith("\n")
    assert check(out), out[:500]
    if fmt != "aif":
        assert "Cities should ban cars." in out


def test_cli_tree_single_root(capsys, text_file: Path, tiny_model_dir: Path):
    status, out, _ = _run(capsys, "tree", "--model", tiny_model_dir, "--single-root",
                          "--format", "json", text_file)
    assert status == 0
    doc = json.loads(out)
    assert len(doc["trees"]) == 1
    assert sorted(doc["trees"][0]["units"]) == [0, 1, 2, 3]


@pytest.mark.parametrize("command", [["tree", "in.txt"], ["evaluate", "--corpus", "microtexts"]])
def test_cli_decoding_switches_reach_the_decoder_config(command):
    from argmine.cli._io import decoding_from_args
    from argmine.cli.app import build_parser

    parser = build_parser()
    default = decoding_from_args(parser.parse_args(command))
    flags = (default.projective, default.coordinate_lists, default.single_root)
    assert flags == (True, True, False)
    assert default.labels is None
    switched = decoding_from_args(parser.parse_args(
        [*command, "--allow-crossing", "--no-list-coordination", "--single-root",
         "--labels", "premise, claim"]))
    assert (switched.projective, switched.coordinate_lists, switched.single_root) == (
        False, False, True)
    assert [x.value for x in switched.labels] == ["claim", "premise"]


# --------------------------------------------------------------------------- input errors


def _bad_input(kind: str, tmp_path: Path) -> Path:
    path = tmp_path / f"{kind}.txt"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "blank":
        path.write_bytes(b"  \n\t\n")
    elif kind == "binary":
        path.write_bytes(b"Some text\x00\x01\x02 then bytes")
    elif kind == "latin1":
        path.write_bytes("Caf\u00e9 society is nice.".encode("latin-1"))
    return path


@pytest.mark.parametrize(
    "kind, code",
    [("missing", "E009"), ("empty", "E002"), ("blank", "E002"), ("binary", "E004"),
     ("latin1", "E003")],
)
@pytest.mark.parametrize("command", ["segment", "label", "tree"])
def test_cli_bad_input_file(capsys, tmp_path, tiny_baseline_dir, command, kind, code):
    path = _bad_input(kind, tmp_path)
    argv = [command]
    if command != "segment":
        argv += ["--model", tiny_baseline_dir]
    status, out, err = _run(capsys, *argv, path)
    assert status == 1
    assert out == ""
    assert err.startswith(f"argmine {command}: error:")
    assert f"[{code}]" in err
    assert str(path) in err
    assert "Traceback" not in err


def test_cli_bad_file_after_good_one_still_fails(capsys, text_file: Path, tmp_path: Path):
    status, out, err = _run(capsys, "segment", text_file, _bad_input("binary", tmp_path))
    assert status == 1
    assert text_file.as_posix() in out  # the good file was processed first
    assert "E004" in err


def test_cli_debug_reraises(tmp_path: Path):
    with pytest.raises(InputError) as info:
        main(["--debug", "segment", str(tmp_path / "missing.txt")])
    assert info.value.code == "E009"


# --------------------------------------------------------------------------- train


def test_cli_train_refuses_to_overwrite(capsys, tmp_path: Path):
    out_dir = tmp_path / "model"
    out_dir.mkdir()
    (out_dir / "config.json").write_text("{}")
    status, _, err = _run(capsys, "train", "--corpus", "microtexts", "--output", out_dir)
    assert status == 1
    assert "E301" in err and "--force" in err
    assert (out_dir / "config.json").read_text() == "{}"


def test_cli_train_refuses_a_bad_weight(capsys, tmp_path: Path):
    status, _, err = _run(capsys, "train", "--corpus", "microtexts", "--weight", "aae2=lots",
                          "--output", tmp_path / "model")
    assert status == 1
    assert "E301" in err and "aae2=lots" in err


@pytest.mark.parametrize("augment", ["paraphrase=0.5", "hypophora=2", "hypophora=often"])
def test_cli_train_refuses_a_bad_augmentation(capsys, tmp_path: Path, augment):
    status, _, err = _run(capsys, "train", "--corpus", "microtexts", "--augment", augment,
                          "--output", tmp_path / "model")
    assert status == 1
    assert "E301" in err and "augment" in err
    assert not (tmp_path / "model").exists()


def test_cli_train_with_augmentation_and_pair_features_records_them(
    capsys, tmp_path, fixtures_dir, torch_single_thread
):
    out_dir = tmp_path / "model"
    spec = f"microtexts:{fixtures_dir / 'microtexts' / 'part1'}"
    status, _, _ = _run(capsys, "train", "--corpus", spec, "--epochs", "1",
                        "--trainable-layers", "0", "--quiet", "--augment", "hypophora=1",
                        "--augment", "enumeration=0.5", "--pair-features",
                        "--segment-tokens", "128", "--learning-rate", "3e-5",
                        "--head-learning-rate", "3e-4", "--output", out_dir)
    assert status == 0
    config = json.loads((out_dir / "config.json").read_text())
    assert config["training"]["augment"] == {"hypophora": 1.0, "enumeration": 0.5}
    assert config["training"]["pair_features"] is True
    assert config["network"]["n_pair_features"] == len(PAIR_FEATURES)
    assert config["network"]["segment_tokens"] == 128
    assert (config["training"]["learning_rate"], config["training"]["head_learning_rate"]) == (
        3e-5, 3e-4)


def test_cli_train_on_a_fixture_corpus(capsys, tmp_path, fixtures_dir, torch_single_thread):
    out_dir = tmp_path / "model"
    spec = f"microtexts:{fixtures_dir / 'microtexts' / 'part1'}"
    status, out, _ = _run(capsys, "train", "--corpus", spec, "--epochs", "1",
                          "--trainable-layers", "0", "--quiet", "--output", out_dir)
    assert status == 0
    report = json.loads(out)
    assert report["output"] == str(out_dir)
    assert [h["epoch"] for h in report["history"]] == [1]
    assert {p.name for p in out_dir.iterdir()} == {"config.json", "model.safetensors",
                                                   "README.md"}
    assert spec in (out_dir / "README.md").read_text()
    training = json.loads((out_dir / "config.json").read_text())["training"]
    assert training["epochs"] == 1
    assert (training["learning_rate"], training["head_learning_rate"]) == (1e-4, 1e-3)
    assert len(load(out_dir).label(TEXT)) == 4


def test_cli_label_quantize_labels_with_the_int8_model(capsys, text_file: Path,
                                                       tiny_model_dir: Path, torch_single_thread):
    status, out, _ = _run(capsys, "label", "--model", tiny_model_dir, "--quantize", text_file)
    assert status == 0
    records = _jsonl(out)
    units = load(tiny_model_dir, quantize=True).label(TEXT)
    assert [r["score"] for r in records] == [round(u.score, 4) for u in units]


def test_cli_label_onnx_backend_matches_torch(capsys, monkeypatch, tmp_path, text_file: Path,
                                              tiny_model_dir: Path, torch_single_thread):
    pytest.importorskip("onnxruntime")
    monkeypatch.setenv("ARGMINE_CACHE", str(tmp_path / "cache"))
    status, out, _ = _run(capsys, "label", "--model", tiny_model_dir, "--backend", "onnx",
                          text_file)
    assert status == 0
    units = load(tiny_model_dir, backend="torch").label(TEXT)
    got = _jsonl(out)
    assert [r["label"] for r in got] == [u.label.value for u in units]
    assert [r["score"] for r in got] == pytest.approx([u.score for u in units], abs=2e-4)
    assert list((tmp_path / "cache" / "onnx").glob("*.onnx"))
    status, out, _ = _run(capsys, "label", "--model", tiny_model_dir, "--backend", "torch",
                          text_file)
    assert status == 0
    assert [r["score"] for r in _jsonl(out)] == [round(u.score, 4) for u in units]


def test_cli_label_refuses_onnx_for_the_baseline(capsys, text_file: Path,
                                                  tiny_baseline_dir: Path):
    status, _, err = _run(capsys, "label", "--model", tiny_baseline_dir, "--backend", "onnx",
                          text_file)
    assert status != 0
    assert "backend" in err and "Traceback" not in err


@pytest.mark.parametrize("flags, single_root", [([], False), (["--single-root"], True),
                                                (["--one-tree-per-paragraph-text"], None)])
def test_cli_tree_count_switches_reach_the_decoder(flags, single_root):
    import argparse

    from argmine.cli._io import add_decoding_arguments, decoding_from_args

    parser = argparse.ArgumentParser()
    add_decoding_arguments(parser)
    assert decoding_from_args(parser.parse_args(flags)).single_root is single_root


def test_cli_single_root_and_one_tree_per_paragraph_text_exclude_each_other(capsys, text_file):
    with pytest.raises(SystemExit):
        main(["tree", "--single-root", "--one-tree-per-paragraph-text", str(text_file)])
    assert "not allowed with" in capsys.readouterr().err


def _script_commands(script: Path) -> list[list[str]]:
    """The arguments of each ``$ARGMINE train`` line of a shell recipe, continuations joined."""
    import shlex

    joined = script.read_text(encoding="utf-8").replace("\\\n", " ")
    return [shlex.split(line.strip().replace('"', ""))[2:]
            for line in joined.splitlines() if line.strip().startswith("$ARGMINE train")]


def test_cli_default_recipe_stage_two_trains_as_the_shipped_model_did():
    """models/train-default.sh, parsed by the CLI, asks for the settings config.json records.

    Stage 2 starts from stage 1 with --init, which lowers the learning rates for adapting;
    the recipe must still reproduce the rates the shipped model was trained at.
    """
    import importlib.util

    from argmine.cli.app import build_parser
    from argmine.cli.train import training_config

    root = Path(__file__).resolve().parents[1]
    stage1, stage2 = _script_commands(root / "models" / "train-default.sh")
    assert "--init" not in stage1 and "--init" in stage2
    # The yardstick redoes stage 2 with its own copy of the options.
    spec = importlib.util.spec_from_file_location("yardstick", root / "benchmarks" /
                                                  "yardstick.py")
    yardstick = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(yardstick)
    weights = [a for k, w in yardstick.STAGE2_WEIGHTS.items() for a in ("--weight", f"{k}={w}")]
    copy = ["--init", "stage1", "--corpus", "microtexts", "--output", "x", *weights,
            *yardstick.STAGE2, *yardstick.STAGE2_RATES]
    shipped = json.loads((root / "models" / "default" / "config.json").read_text())["training"]
    keys = ("learning_rate", "head_learning_rate", "epochs", "units_per_epoch",
            "trainable_layers", "batch_units", "corpus_weights", "augment", "seed")
    for command in (stage2, copy):
        config = training_config(build_parser().parse_args(["train", *command])).to_dict()
        assert {k: config[k] for k in keys} == {k: shipped[k] for k in keys}
