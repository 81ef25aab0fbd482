"""First use of the command line (issue 18): checks before the model loads, quiet loading,
readable many-document output, one answer from label and tree, exit codes and messages."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import argmine
from argmine.cli.app import main
from argmine.errors import ArgmineError

REPO = Path(__file__).resolve().parents[1]
TEXT = ("Cities should ban cars. Exhaust fumes make the air unhealthy. "
        "Some say shops would lose customers.\nBut pedestrians spend more money in town.\n")
OTHER = "Museums should be free. Culture belongs to all citizens."


def _run(capsys, *argv) -> tuple[int, str, str]:
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def two_files(tmp_path: Path) -> list[Path]:
    first, second = tmp_path / "cars.txt", tmp_path / "museums.txt"
    first.write_text(TEXT, "utf-8")
    second.write_text(OTHER, "utf-8")
    return [first, second]


@pytest.fixture
def no_loading(monkeypatch):
    """Make any model load fail the test: inputs must be refused before it."""
    from argmine import pipeline
    from argmine.batch import run as batch_run
    from argmine.batch import work

    def refuse(*args, **kwargs):
        raise AssertionError("the model was loaded before the inputs were checked")

    monkeypatch.setattr(pipeline, "load", refuse)
    monkeypatch.setattr(work, "load", refuse)
    monkeypatch.setattr(batch_run, "load_spec", refuse)


# --------------------------------------------------------------------------- 1: checks first
@pytest.mark.parametrize("kind", ["missing", "csv-column", "empty-folder", "glob"])
@pytest.mark.parametrize("command", ["label", "tree"])
def test_inputs_are_checked_before_the_model_loads(capsys, tmp_path, no_loading, command,
                                                   kind):
    if kind == "missing":
        argv, code, said = [tmp_path / "nope.txt"], "E009", "nope.txt"
    elif kind == "csv-column":
        (tmp_path / "in.csv").write_text("id,body\n1,Cars pollute.\n", "utf-8")
        argv, code, said = [tmp_path / "in.csv", "--text-column", "text"], "E011", "--text-column"
    elif kind == "empty-folder":
        (tmp_path / "docs").mkdir()
        (tmp_path / "docs" / "a.md").write_text(OTHER, "utf-8")
        argv, code, said = [tmp_path / "docs"], "E009", "'*.txt'"
    else:
        argv, code, said = [str(tmp_path / "*.txt")], "E009", "no file matches"
    out = tmp_path / "out.jsonl"
    status, stdout, err = _run(capsys, command, *argv, "-o", out)
    assert status == 1 and stdout == ""
    assert f"[{code}]" in err and said in err and "Traceback" not in err
    assert not list(tmp_path.glob("out.jsonl*"))  # nothing written, nothing to --force


def test_a_folder_without_matching_files_is_an_error_record():
    from argmine.batch.sources import iter_sources

    [(doc_id, error)] = list(iter_sources([REPO / "models"], pattern="*.nothing"))
    assert isinstance(error, ArgmineError) and error.code == "E009"
    assert "'*.nothing'" in str(error) and doc_id.endswith("models")


# --------------------------------------------------------------------------- 2: noise
def test_loading_a_model_prints_no_progress_bar(tmp_path):
    path = tmp_path / "in.txt"
    path.write_text(TEXT, "utf-8")
    code = Path(argmine.__file__).resolve().parents[1]  # the argmine under test
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(code)}
    env.pop("HF_HUB_DISABLE_PROGRESS_BARS", None)
    # The shipped model: its encoder is loaded by transformers, which draws the bar.
    run = subprocess.run([sys.executable, "-m", "argmine", "label", str(path),
                          "--no-progress", "--backend", "torch"],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "Loading weights" not in run.stderr and "it/s" not in run.stderr, run.stderr
    assert len(run.stdout.splitlines()) == 4


def test_argmine_warnings_reach_standard_error(capsys, tmp_path, tiny_baseline_dir):
    main(["info", "--model", str(tiny_baseline_dir)])
    capsys.readouterr()
    logging.getLogger("argmine.scoring.runtimes.onnx").warning(
        "exporting the encoder to ONNX once, into %s", "x.onnx")
    logging.getLogger("argmine.scoring.fit").info("epoch 1 loss 0.5")  # not for the CLI
    err = capsys.readouterr().err
    assert err == "argmine: exporting the encoder to ONNX once, into x.onnx\n"


# --------------------------------------------------------------------------- 3: many documents
def test_tree_text_names_each_document(capsys, two_files, tiny_baseline_dir):
    status, out, _ = _run(capsys, "tree", *two_files, "--model", tiny_baseline_dir,
                          "--format", "text")
    assert status == 0
    headers = [line for line in out.splitlines() if line.startswith("== ")]
    assert headers == [f"== {two_files[0]} ==", f"== {two_files[1]} =="]
    assert f"\n\n== {two_files[1]} ==\n" in out  # a blank line between documents


def test_tree_mermaid_is_one_block_per_document(capsys, two_files, tiny_baseline_dir):
    status, out, _ = _run(capsys, "tree", *two_files, "--model", tiny_baseline_dir,
                          "--format", "mermaid")
    assert status == 0
    assert out.count("```mermaid\n") == 2 and out.count("\n## ") + out.startswith("## ") == 2
    assert "%% document: " + str(two_files[1]) in out


@pytest.mark.parametrize("to_file", [False, True])
def test_tree_html_is_one_page_for_all_documents(capsys, tmp_path, two_files,
                                                 tiny_baseline_dir, to_file):
    from argmine.export import HTML_END_MARK

    argv = ["tree", *two_files, "--model", tiny_baseline_dir, "--format", "html"]
    out_path = tmp_path / "page.html"
    status, out, _ = _run(capsys, *argv, *(["-o", out_path] if to_file else []))
    assert status == 0
    page = out_path.read_text("utf-8") if to_file else out
    assert page.lower().count("<!doctype html") == 1 and page.count("</html>") == 1
    assert page.count('<section class="document"') == 2
    assert page.count(HTML_END_MARK) == 1 and page.rstrip().endswith("</html>")
    assert not list(tmp_path.glob("page.html.*"))  # no lock, checkpoint or errors left


# --------------------------------------------------------------------------- 4: one answer
def test_label_gives_the_tree_labels_and_says_so(capsys, two_files, tiny_model_dir):
    status, out, _ = _run(capsys, "label", *two_files, "--model", tiny_model_dir)
    assert status == 0
    labels = [json.loads(line) for line in out.splitlines()]
    assert {r["label_source"] for r in labels} == {"decoded"}
    status, out, _ = _run(capsys, "tree", *two_files, "--model", tiny_model_dir)
    trees = [json.loads(line) for line in out.splitlines()]
    assert [r["label"] for r in labels] == [u["label"] for d in trees for u in d["units"]]


def test_label_classifier_labels_flag(capsys, two_files, tiny_model_dir):
    status, out, _ = _run(capsys, "label", *two_files, "--model", tiny_model_dir,
                          "--classifier-labels")
    assert status == 0
    for record in map(json.loads, out.splitlines()):
        assert record["label_source"] == "classifier"
        assert record["score"] == max(record["scores"].values())
    status, out, _ = _run(capsys, "label", *two_files, "--model", tiny_model_dir,
                          "--classifier-labels", "--format", "table")
    assert "classifier" in out.splitlines()[0]


def test_batch_options_pass_classifier_labels_on(tmp_path, tiny_baseline_dir):
    from argmine.batch import run_batch

    out = tmp_path / "l.csv"
    run_batch(str(tiny_baseline_dir), [("a", TEXT)], output=out, fmt="csv", decoded=False)
    rows = out.read_text("utf-8").splitlines()
    assert rows[0].split(",")[6] == "label_source"
    assert all(",classifier," in row for row in rows[1:])


# --------------------------------------------------------------------------- 5: info
def test_info_shows_the_corpora_folder_resolved_and_checked(capsys, tmp_path, monkeypatch,
                                                             tiny_baseline_dir):
    (tmp_path / "corpora" / "cdcp").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ARGMINE_CORPORA", "corpora")
    status, out, _ = _run(capsys, "info", "--model", tiny_baseline_dir)
    info = json.loads(out)
    assert status == 0 and info["corpora"] == str((tmp_path / "corpora").resolve())
    assert info["corpora_exists"] is True and info["corpora_found"] == {"cdcp": "cdcp"}
    monkeypatch.setenv("ARGMINE_CORPORA", "elsewhere")
    info = json.loads(_run(capsys, "info", "--model", tiny_baseline_dir)[1])
    assert info["corpora_exists"] is False and Path(info["corpora"]).is_absolute()


# --------------------------------------------------------------------------- 6: exits, messages
def test_resume_exits_0_when_only_earlier_runs_failed(capsys, tmp_path, tiny_baseline_dir):
    good, bad = tmp_path / "good.txt", tmp_path / "bad.txt"
    good.write_text(TEXT, "utf-8")
    bad.write_bytes(b"\x00\x01")
    out = tmp_path / "out.jsonl"
    status, _, err = _run(capsys, "label", good, bad, "--model", tiny_baseline_dir, "-o", out)
    assert status == 1 and "1 document failed;" in err and "1 documents" not in err
    status, _, err = _run(capsys, "label", good, bad, "--model", tiny_baseline_dir, "-o", out,
                          "--resume")
    assert status == 0 and "1 failed in an earlier run" in err


def test_a_run_that_writes_nothing_leaves_nothing_in_the_way(capsys, tmp_path,
                                                             tiny_baseline_dir):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01")
    out = tmp_path / "out.csv"
    status, _, err = _run(capsys, "label", bad, "--model", tiny_baseline_dir, "-o", out)
    assert status == 1 and "no document was written" in err
    assert not out.exists() and not Path(f"{out}.checkpoint").exists()
    assert not Path(f"{out}.lock").exists()
    assert Path(f"{out}.errors.jsonl").exists()  # why: kept, but in no one's way
    bad.write_text(TEXT, "utf-8")
    status, _, err = _run(capsys, "label", bad, "--model", tiny_baseline_dir, "-o", out)
    assert status == 0 and out.read_text("utf-8").count("\n") == 5, err
    assert not Path(f"{out}.errors.jsonl").exists()


def test_messages_name_the_options(capsys, tmp_path, two_files, tiny_baseline_dir):
    out = tmp_path / "out.jsonl"
    out.write_text("", "utf-8")
    status, _, err = _run(capsys, "label", *two_files, "--model", tiny_baseline_dir, "-o", out)
    assert status == 2 and "--resume" in err and "--force" in err
    status, _, err = _run(capsys, "label", *two_files, "--model", tiny_baseline_dir,
                          "--format", "parquet")
    assert status == 2 and "Got None" not in err and "no output file" in err


def test_debug_works_after_the_command_too(tmp_path, two_files, tiny_baseline_dir):
    with pytest.raises(ArgmineError) as info:
        main(["segment", str(tmp_path / "missing.txt"), "--debug"])
    assert info.value.code == "E009"
    out = tmp_path / "out.jsonl"
    out.write_text("", "utf-8")
    with pytest.raises(ArgmineError) as info:  # output exists: the traceback with --debug
        main(["label", *map(str, two_files), "--model", str(tiny_baseline_dir), "-o",
              str(out), "--debug"])
    assert info.value.code == "E301"
    assert re.search("--resume", str(info.value))
