"""Tests for argmine/batch.py: sources, bad documents, resume, kills, formats, workers, memory."""

from __future__ import annotations

import csv
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from argmine.batch import check_options, iter_sources, run_batch
from argmine.batch.writing import columns
from argmine.cli.app import main
from argmine.errors import InputError, ModelFormatError
from argmine.pipeline import load

REPO = Path(__file__).resolve().parents[1]
SENTENCES = [
    "Cities should ban cars.", "Exhaust fumes make the air unhealthy.",
    "Some say shops would lose customers.", "But pedestrians spend more money in town.",
    "Museums should be free.", "Culture belongs to all citizens.",
]


def _text(i: int) -> str:
    return " ".join(SENTENCES[(i + k) % len(SENTENCES)] for k in range(1 + i % 3))


def _items(n: int, prefix: str = "d") -> list[tuple[str, str]]:
    return [(f"{prefix}{i}", _text(i)) for i in range(n)]


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def _doc_units(records: list[dict]) -> dict[str, list[int]]:
    """Map each document to the unit indices written for it, in file order."""
    out: dict[str, list[int]] = {}
    for rec in records:
        out.setdefault(rec["doc"], []).append(rec["index"])
    return out


def _interrupt_after(items, n: int):
    """Yield ``n`` items, then stop the run as Ctrl-C would."""
    for i, item in enumerate(items):
        if i == n:
            raise KeyboardInterrupt
        yield item


@pytest.fixture(scope="module")
def miner(tiny_baseline_dir: Path):
    return load(tiny_baseline_dir)


# --------------------------------------------------------------------------- sources


def test_batch_iter_sources_folders_files_and_globs(tmp_path: Path, monkeypatch):
    root = tmp_path / "corpus"
    (root / "sub").mkdir(parents=True)
    (root / ".hidden").mkdir()
    (root / "a.txt").write_text("One. Two.", "utf-8")
    (root / "sub" / "b.txt").write_text("Three.", "utf-8")
    (root / ".hidden" / "c.txt").write_text("Hidden.", "utf-8")
    (root / "notes.md").write_text("Not text.", "utf-8")
    assert list(iter_sources([root])) == [("a.txt", "One. Two."), ("sub/b.txt", "Three.")]
    assert [i for i, _ in iter_sources([root], pattern="*.md")] == ["notes.md"]
    monkeypatch.chdir(tmp_path)
    assert [i for i, _ in iter_sources(["corpus/**/*.txt"])] == ["corpus/a.txt",
                                                                 "corpus/sub/b.txt"]
    assert [i for i, _ in iter_sources(["./corpus/a.txt"])] == ["corpus/a.txt"]
    [(doc_id, error)] = iter_sources(["nothing/*.txt"])
    assert isinstance(error, InputError) and error.code == "E009"


def test_batch_iter_sources_is_lazy(tmp_path: Path):
    (tmp_path / "a.txt").write_text("One.", "utf-8")
    sources = iter_sources([tmp_path / "a.txt", tmp_path / "missing.txt"])
    assert next(sources) == (str(tmp_path / "a.txt"), "One.")
    (tmp_path / "missing.txt").write_text("Made in time.", "utf-8")
    assert next(sources)[1] == "Made in time."


def test_batch_iter_sources_jsonl(tmp_path: Path):
    path = tmp_path / "in.jsonl"
    lines = [
        b'\xef\xbb\xbf{"id": "a", "text": "Museums should be free."}',
        b'{"text": "No id here."}',
        b"",
        b'{"key": 7, "units": ["Vote,", " as all are affected."]}',
        b"not json",
        b"[1, 2]",
        b'{"id": "e", "body": "wrong field"}',
        '{"text": "Caf\u00e9"}'.encode("latin-1"),
        b'{"id": "g", "units": ["ok", ""]}',
        b'{"id": "h", "text": "x\\u0000y"}',
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    items = list(iter_sources([path], id_field="key"))
    ids = [i for i, _ in items]
    stem = str(path)
    assert ids == [f"{stem}:1", f"{stem}:2", "7", f"{stem}:5", f"{stem}:6", f"{stem}:7",
                   f"{stem}:8", f"{stem}:9", f"{stem}:10"]
    contents = dict(items)
    assert contents[f"{stem}:1"] == "Museums should be free."
    assert contents["7"] == ["Vote,", " as all are affected."]
    codes = {i: c.code for i, c in items if isinstance(c, InputError)}
    assert codes == {f"{stem}:5": "E010", f"{stem}:6": "E010", f"{stem}:7": "E010",
                     f"{stem}:8": "E003", f"{stem}:9": "E007", f"{stem}:10": "E004"}
    assert contents[f"{stem}:9"].path == f"{stem}:9"  # errors say file and line
    assert [i for i, _ in iter_sources([path])][:2] == ["a", f"{stem}:2"]
    body = dict(iter_sources([path], text_field="body"))
    assert body["e"] == "wrong field"


def test_batch_iter_sources_jsonl_line_over_the_limit_is_skipped(tmp_path: Path):
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"id": "big", "text": "x" * 9000}) + "\n"
                    + json.dumps({"id": "ok", "text": "Fine."}) + "\n", "utf-8")
    items = list(iter_sources([path], max_chars=1000))
    assert items[0][1].code == "E005" and items[1] == ("ok", "Fine.")


def test_batch_iter_sources_csv(tmp_path: Path):
    path = tmp_path / "in.csv"
    path.write_text('doc_id,body,units\nx1,"Cars pollute. Ban them.",\n,"No id, row 2.",\n'
                    'x3,,"[""A,"", "" b.""]"\nx4,,[1]\n', "utf-8")
    items = list(iter_sources([path], text_field="body", id_field="doc_id"))
    assert items[0] == ("x1", "Cars pollute. Ban them.")
    assert items[1] == (f"{path}:2", "No id, row 2.")
    assert items[2] == ("x3", ["A,", " b."])
    assert items[3][0] == "x4" and items[3][1].code == "E007"
    [(doc_id, error)] = iter_sources([path], text_field="text", units_field="segments")
    assert doc_id == str(path) and error.code == "E011"  # no such column: the file fails
    tsv = tmp_path / "in.tsv"
    tsv.write_bytes(b"id\ttext\nt1\tTabbed text.\nt2\tCaf\xe9.\n")
    items = list(iter_sources([tsv]))
    assert items[0] == ("t1", "Tabbed text.")
    assert items[1][0] == "t2" and items[1][1].code == "E003"  # one bad row, not the file


def test_batch_iter_sources_dataset_saved_to_disk(tmp_path: Path):
    datasets = pytest.importorskip("datasets")
    data = datasets.Dataset.from_dict({"body": ["Cars pollute.", "Ban them now.", ""],
                                       "key": ["k0", "k1", "k2"]})
    data.save_to_disk(str(tmp_path / "single"))
    items = list(iter_sources(dataset=str(tmp_path / "single"), text_field="body"))
    assert [i for i, _ in items] == ["train:0", "train:1", "train:2"]
    assert items[0][1] == "Cars pollute." and items[2][1].code == "E002"
    datasets.DatasetDict({"test": data}).save_to_disk(str(tmp_path / "dict"))
    items = list(iter_sources(dataset=str(tmp_path / "dict"), split="test",
                              text_field="body", id_field="key"))
    assert [i for i, _ in items] == ["k0", "k1", "k2"]
    with pytest.raises(InputError) as info:
        list(iter_sources(dataset=str(tmp_path / "dict"), split="train"))
    assert info.value.code == "E008"


def test_batch_iter_sources_stdin_text_and_jsonl():
    assert list(iter_sources(["-"], stdin=io.BytesIO(b"One. Two."))) == [("stdin", "One. Two.")]
    stream = io.BytesIO(b'{"text": "A."}\n{"id": "b", "text": "B."}\n')
    assert list(iter_sources(["-"], input_format="jsonl", stdin=stream)) == [
        ("stdin:1", "A."), ("b", "B.")]


def test_batch_iter_sources_refuses_big_files_unread(tmp_path: Path):
    (tmp_path / "big.txt").write_bytes(b"x" * 5000)
    (tmp_path / "edge.txt").write_text("y" * 1001, "utf-8")
    codes = [c.code for _, c in iter_sources([tmp_path], max_chars=1000)]
    assert codes == ["E005", "E005"]
    with pytest.raises(InputError) as info:
        list(iter_sources([tmp_path], input_format="xml"))
    assert info.value.code == "E008"


# --------------------------------------------------------------------------- run_batch


def _bad_corpus(root: Path, n_good: int = 5) -> list[str]:
    root.mkdir()
    for i in range(n_good):
        (root / f"good{i}.txt").write_text(_text(i), "utf-8")
    (root / "binary.txt").write_bytes(b"Some text\x00\x01 then bytes")
    (root / "latin1.txt").write_bytes("Caf\u00e9 society is nice.".encode("latin-1"))
    (root / "empty.txt").write_bytes(b"")
    (root / "huge.txt").write_text("Long. " * 400, "utf-8")
    return [str(root / "missing.txt"), str(root)]


def test_batch_bad_documents_are_recorded_and_skipped(tmp_path: Path, miner):
    inputs = _bad_corpus(tmp_path / "corpus")
    out = tmp_path / "out.jsonl"
    summary = run_batch(miner, iter_sources(inputs, max_chars=1000), output=out,
                        max_chars=1000, batch_docs=3)
    assert (summary.ok, summary.failed, summary.exit_status) == (5, 5, 1)
    errors = {r["id"]: r for r in _jsonl(Path(summary.errors))}
    assert {i: r["code"] for i, r in errors.items()} == {
        inputs[0]: "E009", "binary.txt": "E004", "latin1.txt": "E003", "empty.txt": "E002",
        "huge.txt": "E005"}
    assert errors["binary.txt"]["source"] == str(tmp_path / "corpus" / "binary.txt")
    assert set(errors["huge.txt"]) == {"id", "source", "code", "error"}
    assert set(_doc_units(_jsonl(out))) == {f"good{i}.txt" for i in range(5)}
    assert not Path(f"{out}.checkpoint").exists()


def test_batch_records_match_the_library(tmp_path: Path, tiny_model_dir: Path,
                                         torch_single_thread):
    miner = load(tiny_model_dir)
    items = _items(12)
    out = tmp_path / "out.jsonl"
    summary = run_batch(miner, items, output=out, batch_docs=5)
    assert summary.exit_status == 0 and summary.ok == 12
    records = _jsonl(out)
    assert [r["doc"] for r in records] == [i for i, t in items for _ in miner.label(t)]
    for doc_id, text in items:
        mine = [r for r in records if r["doc"] == doc_id]
        for rec, unit in zip(mine, miner.label(text)):
            assert (rec["text"], rec["label"]) == (unit.text, unit.label.value)
            assert rec["score"] == pytest.approx(unit.score, abs=2e-3)


def test_batch_duplicate_ids_are_failures(tmp_path: Path, miner):
    summary = run_batch(miner, [("a", "One."), ("b", "Two."), ("a", "Three.")],
                        output=tmp_path / "o.jsonl")
    assert (summary.ok, summary.failed) == (2, 1)
    [error] = _jsonl(Path(summary.errors))
    assert (error["id"], error["code"]) == ("a", "E012")
    assert [r["text"] for r in _jsonl(tmp_path / "o.jsonl")] == ["One.", "Two."]
    # The message says where the repeat is (the third input document), once.
    assert "3" in error["error"] and error["error"].count("earlier") == 1


def test_batch_resume_skips_finished_documents(tmp_path: Path, miner):
    items = _items(40) + [("bad", InputError("E004", path="bad"))]
    out = tmp_path / "out.jsonl"
    with pytest.raises(KeyboardInterrupt):
        run_batch(miner, _interrupt_after(items, 23), output=out, batch_docs=5)
    assert Path(f"{out}.checkpoint").exists()
    first = _doc_units(_jsonl(out))
    assert list(first) == [f"d{i}" for i in range(20)]  # four whole chunks committed
    with pytest.raises(InputError) as info:
        run_batch(miner, items, output=out)
    assert info.value.code == "E301"  # neither --resume nor --force
    summary = run_batch(miner, items, output=out, resume=True, batch_docs=5)
    assert (summary.ok, summary.skipped, summary.failed) == (20, 20, 1)
    units = _doc_units(_jsonl(out))
    assert list(units) == [i for i, _ in items[:-1]]
    assert all(v == list(range(len(v))) for v in units.values())  # each set exactly once
    again = run_batch(miner, items, output=out, resume=True)
    assert (again.ok, again.skipped, again.failed, again.previously_failed) == (0, 41, 0, 1)
    assert again.exit_status == 0  # this run failed nothing; the summary counts the earlier
    assert _doc_units(_jsonl(out)) == units


def test_batch_resume_cuts_back_to_the_last_commit(tmp_path: Path, miner):
    items = _items(12)
    out = tmp_path / "out.jsonl"
    with pytest.raises(KeyboardInterrupt):
        run_batch(miner, _interrupt_after(items, 9), output=out, batch_docs=4)
    committed = out.read_bytes()
    # What a kill in the middle of the next chunk leaves: a whole record of a document
    # whose other records never made it, then a torn line.
    with open(out, "ab") as f:
        f.write(json.dumps({"doc": "d8", "index": 0}).encode() + b'\n{"doc": "d8", "ind')
    with open(f"{out}.errors.jsonl", "ab") as f:
        f.write(b'{"id": "d9", "source": "d9", "code": "E0')
    summary = run_batch(miner, items, output=out, resume=True, batch_docs=4)
    assert (summary.ok, summary.skipped, summary.previously_failed) == (4, 8, 0)
    assert out.read_bytes().startswith(committed)
    units = _doc_units(_jsonl(out))
    assert list(units) == [i for i, _ in items]
    assert all(v == list(range(len(v))) for v in units.values())
    assert not Path(f"{out}.errors.jsonl").exists()


def test_batch_resume_of_a_finished_file_cuts_a_torn_line(tmp_path: Path, miner):
    out = tmp_path / "out.jsonl"
    run_batch(miner, _items(3), output=out)
    with open(out, "ab") as f:
        f.write(b'{"doc": "d3", "index": 0, "te')  # a file someone else appended to
    summary = run_batch(miner, _items(5), output=out, resume=True)
    assert (summary.ok, summary.skipped) == (2, 3)
    assert list(_doc_units(_jsonl(out))) == ["d0", "d1", "d2", "d3", "d4"]


def test_batch_force_starts_over(tmp_path: Path, miner):
    out = tmp_path / "out.jsonl"
    run_batch(miner, [("bad", InputError("E002"))] + _items(3), output=out)
    summary = run_batch(miner, _items(2), output=out, force=True)
    assert summary.exit_status == 0 and list(_doc_units(_jsonl(out))) == ["d0", "d1"]
    assert not Path(f"{out}.errors.jsonl").exists()


@pytest.mark.parametrize(
    "options, param",
    [({"fmt": "parquet"}, "output"), ({"resume": True}, "resume"),
     ({"output": "x.txt", "fmt": "table", "resume": True}, "resume"),
     ({"output": "x.jsonl", "resume": True, "force": True}, "force"),
     ({"workers": 0}, "workers"), ({"batch_docs": -1}, "batch_docs")],
)
def test_batch_check_options_refuses(options, param):
    with pytest.raises(InputError) as info:
        check_options(**options)
    assert info.value.code == "E301" and info.value.details["param"] == param


def test_batch_check_options_unknown_format():
    with pytest.raises(InputError) as info:
        check_options(task="tree", fmt="table")
    assert info.value.code == "E008"


def test_batch_csv_output_resumes(tmp_path: Path, miner):
    out = tmp_path / "out.csv"
    items = _items(9)
    with pytest.raises(KeyboardInterrupt):
        run_batch(miner, _interrupt_after(items, 7), output=out, fmt="csv", batch_docs=3)
    run_batch(miner, items, output=out, fmt="csv", resume=True, batch_docs=3)
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert out.read_text("utf-8").count("doc,index,") == 1  # one header
    assert _doc_units([{"doc": r["doc"], "index": int(r["index"])} for r in rows]) == {
        i: list(range(len(miner.label(t)))) for i, t in items}
    assert float(rows[0]["score"]) == float(rows[0][f"p_{rows[0]['label']}"])


@pytest.mark.parametrize("task", ["label", "tree"])
def test_batch_parquet_output_resumes_and_extends(tmp_path: Path, miner, task):
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "out.parquet"
    items = _items(10)
    with pytest.raises(KeyboardInterrupt):
        run_batch(miner, _interrupt_after(items, 5), task=task, output=out, fmt="parquet",
                  batch_docs=2)
    assert not out.exists() and Path(f"{out}.partial").exists()  # nothing half-written
    run_batch(miner, items[:8], task=task, output=out, fmt="parquet", resume=True)
    assert not Path(f"{out}.partial").exists() and not Path(f"{out}.checkpoint").exists()
    summary = run_batch(miner, items, task=task, output=out, fmt="parquet", resume=True)
    assert (summary.ok, summary.skipped) == (2, 8)
    table = pq.read_table(out)
    assert table.column_names == columns(task)
    units = _doc_units(table.select(["doc", "index"]).to_pylist())
    assert list(units) == [i for i, _ in items]
    assert all(v == list(range(len(v))) for v in units.values())


def test_batch_parquet_killed_while_finishing(tmp_path: Path, miner, monkeypatch):
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "out.parquet"
    real_replace = os.replace

    def killed(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        run_batch(miner, _items(4), output=out, fmt="parquet")
    monkeypatch.setattr(os, "replace", real_replace)
    summary = run_batch(miner, _items(6), output=out, fmt="parquet", resume=True)
    assert (summary.ok, summary.skipped) == (2, 4)
    assert list(_doc_units(pq.read_table(out).to_pylist())) == [f"d{i}" for i in range(6)]


def test_batch_tree_task_jsonl(tmp_path: Path, miner):
    out = tmp_path / "trees.jsonl"
    summary = run_batch(miner, _items(4), task="tree", output=out)
    docs = _jsonl(out)
    assert [d["doc"] for d in docs] == ["d0", "d1", "d2", "d3"]
    assert all(set(d) == {"doc", "units", "trees"} for d in docs)
    assert summary.units == sum(len(d["units"]) for d in docs)


def test_batch_progress_bar_shows_rates(capsys, miner):
    run_batch(miner, _items(6), progress=True, total=6)
    err = capsys.readouterr().err
    assert "docs/s" in err and "units/s" in err and "6/6" in err
    run_batch(miner, _items(6))  # not a terminal: quiet
    assert capsys.readouterr().err == ""


def test_batch_workers_write_what_one_process_writes(tmp_path: Path, tiny_baseline_dir):
    items = _items(20) + [("bad", InputError("E004"))]
    one = run_batch(str(tiny_baseline_dir), items, output=tmp_path / "one.jsonl",
                    batch_docs=3)
    two = run_batch(str(tiny_baseline_dir), items, output=tmp_path / "two.jsonl",
                    batch_docs=3, workers=2, threads=1)
    assert (two.ok, two.failed) == (one.ok, one.failed) == (20, 1)
    assert (tmp_path / "two.jsonl").read_bytes() == (tmp_path / "one.jsonl").read_bytes()


def test_batch_workers_refuse_a_missing_model(tmp_path: Path):
    with pytest.raises(ModelFormatError) as info:
        run_batch(str(tmp_path / "no-model"), _items(2), workers=2)
    assert info.value.code == "E204"


# --------------------------------------------------------------------------- CLI


def _cli(capsys, *argv) -> tuple[int, str, str]:
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_batch_cli_exit_status_and_files(capsys, tmp_path: Path, tiny_baseline_dir: Path):
    missing, *inputs = _bad_corpus(tmp_path / "corpus")
    out = tmp_path / "out.csv"
    # A missing input stops the job before it starts: nothing is loaded or written.
    status, stdout, err = _cli(capsys, "label", missing, *inputs, "--model",
                               tiny_baseline_dir, "--output", out)
    assert (status, stdout) == (1, "") and "[E009]" in err and missing in err
    assert not list(tmp_path.glob("out.csv*"))
    status, stdout, err = _cli(capsys, "label", *inputs, "--model", tiny_baseline_dir,
                               "--output", out, "--max-chars", 1000)
    assert (status, stdout) == (1, "")
    assert str(out) in err and f"{out}.errors.jsonl" in err
    assert out.read_text("utf-8").startswith("doc,index,")  # format from the extension
    assert len(_jsonl(Path(f"{out}.errors.jsonl"))) == 4
    status, _, err = _cli(capsys, "label", *inputs, "--model", tiny_baseline_dir,
                          "--output", out)
    assert status == 2 and "E301" in err and "Traceback" not in err
    status, _, err = _cli(capsys, "label", inputs[0], "--model", tiny_baseline_dir,
                          "--output", out, "--max-chars", 1000, "--resume")
    assert status == 0  # nothing failed in this run: the earlier failures are reported
    assert "4 failed in an earlier run" in err
    good = tmp_path / "corpus" / "good0.txt"
    status, _, err = _cli(capsys, "tree", good, "--model", tiny_baseline_dir, "-o",
                          tmp_path / "t.jsonl", "--errors", tmp_path / "e.jsonl")
    assert status == 0 and not (tmp_path / "e.jsonl").exists()
    status, _, err = _cli(capsys, "label", good, "--format", "parquet", "--model",
                          tiny_baseline_dir)
    assert status == 2 and "Parquet" in err


def test_batch_cli_dataset_and_stdin(capsys, monkeypatch, tmp_path, tiny_baseline_dir):
    datasets = pytest.importorskip("datasets")
    datasets.Dataset.from_dict({"body": ["Cars pollute.", "Ban them."]}).save_to_disk(
        str(tmp_path / "ds"))
    status, out, _ = _cli(capsys, "label", "--dataset", tmp_path / "ds", "--column", "body",
                          "--model", tiny_baseline_dir)
    assert status == 0
    assert [r["doc"] for r in map(json.loads, out.splitlines())] == ["train:0", "train:1"]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"One. Two.")))
    status, out, _ = _cli(capsys, "label", "--model", tiny_baseline_dir)
    assert status == 0 and [json.loads(x)["doc"] for x in out.splitlines()] == ["stdin"] * 2


def test_batch_cli_progress_has_an_eta_total(capsys, tmp_path, tiny_baseline_dir):
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps({"text": t}) + "\n" for _, t in _items(7)), "utf-8")
    status, _, err = _cli(capsys, "label", path, "--model", tiny_baseline_dir, "--progress",
                          "-o", tmp_path / "o.jsonl")
    assert status == 0 and "7/7" in err and "units/s" in err


# --------------------------------------------------------------------------- kills


def _complete_lines(path: Path) -> list[dict]:
    """Every complete line must parse; only a final unterminated one may be torn."""
    data = path.read_bytes() if path.exists() else b""
    lines = data.split(b"\n")
    return [json.loads(line) for line in lines[:-1]]


def test_batch_survives_sigkill_at_random_moments(tmp_path: Path, tiny_baseline_dir: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    n_docs = 300
    for i in range(n_docs):
        (corpus / f"doc{i:03d}.txt").write_text(_text(i), "utf-8")
    (corpus / "broken.txt").write_bytes(b"\x00\x01")
    out = tmp_path / "out.jsonl"
    argv = [sys.executable, "-m", "argmine", "label", str(corpus), "--model",
            str(tiny_baseline_dir), "--output", str(out), "--batch-docs", "2"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    rng = random.Random(1234)
    for attempt in range(3):
        proc = subprocess.Popen(argv + (["--resume"] if attempt else []), cwd=REPO, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # Wait until this run writes (the model takes seconds to load), then let it go on
        # for a random while, so that the kills land in the middle of the work.
        start_size = out.stat().st_size if out.exists() else -1
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            if out.exists() and out.stat().st_size > start_size:
                break
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        _complete_lines(out)  # valid up to the last complete record
        _complete_lines(Path(f"{out}.errors.jsonl"))
    final = subprocess.run(argv + ["--resume"], cwd=REPO, env=env, capture_output=True,
                           text=True, timeout=300)
    # broken.txt failed: exit 1 if in this run; if in an earlier one, the summary says so.
    assert final.returncode in (0, 1) and "failed" in final.stderr, final.stderr
    assert out.read_bytes().endswith(b"\n")
    units = _doc_units(_complete_lines(out))
    assert set(units) == {f"doc{i:03d}.txt" for i in range(n_docs)}
    for doc_id, indices in units.items():
        assert indices == list(range(len(indices))), doc_id  # no document written twice
    errors = _complete_lines(Path(f"{out}.errors.jsonl"))
    assert [e["id"] for e in errors] == ["broken.txt"]
    assert not Path(f"{out}.checkpoint").exists()


# --------------------------------------------------------------------------- memory


def _peak_memory(miner, path: Path, out: Path):
    import tracemalloc

    tracemalloc.start()
    try:
        summary = run_batch(miner, iter_sources([path]), output=out, force=True,
                            batch_docs=64)
        return tracemalloc.get_traced_memory()[1], summary
    finally:
        tracemalloc.stop()


def _write_docs(path: Path, n: int) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            f.write(json.dumps({"text": SENTENCES[i % 6] + " " + SENTENCES[(i * 7) % 6]}) + "\n")


def test_batch_memory_stays_flat(tmp_path: Path, miner):
    small, large = tmp_path / "small.jsonl", tmp_path / "large.jsonl"
    _write_docs(small, 200)
    _write_docs(large, 2000)
    _peak_memory(miner, small, tmp_path / "o.jsonl")  # warm up: first-call caches
    peak_small, _ = _peak_memory(miner, small, tmp_path / "o.jsonl")
    peak_large, summary = _peak_memory(miner, large, tmp_path / "o.jsonl")
    assert summary.ok == 2000
    # Ten times the documents: only the ids seen may add up (~160 B each below 32,768 of
    # them, 16 B each beyond); everything else is per chunk.
    assert peak_large < peak_small + 1_000_000, (peak_small, peak_large)


@pytest.mark.slow
def test_batch_memory_stays_flat_over_20000_documents(tmp_path: Path, miner):
    path = tmp_path / "docs.jsonl"
    _write_docs(path, 20_000)
    peak, summary = _peak_memory(miner, path, tmp_path / "o.jsonl")
    assert summary.ok == 20_000
    assert peak < 12_000_000, peak  # measured: 3.8 MB, of which ~3 MB is the id set
