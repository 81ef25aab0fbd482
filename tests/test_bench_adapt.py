"""``argmine bench adapt``: learning curves from resumable cells, on the tiny model and fixtures.

The tiny fixture model stands in for the shipped one, and the corpora are the tiny raw-format
fixtures (one CDCP comment per split; the microtext fixtures as the original data mixed in).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from argmine.bench.adapt import AdaptOptions, held_out, scores
from argmine.bench.runner import result_name
from argmine.cli.app import main
from argmine.document import Document
from argmine.evaluation.protocols import evaluate_documents
from argmine.pipeline import load
from argmine.training.data import CorpusSpec, load_documents

CELLS = {"cdcp-adapt-n0-d0.json", "cdcp-adapt-n1-d0.json", "cdcp-mixed-n1-d0.json",
         "cdcp-scratch-n1-d0.json", "cdcp-baseline-n1-d0.json"}


@pytest.fixture(scope="module")
def corpora(tmp_path_factory, fixtures_dir) -> Path:
    root = tmp_path_factory.mktemp("corpora")
    (root / "cdcp").symlink_to(fixtures_dir / "cdcp", target_is_directory=True)
    (root / "microtexts-part1").symlink_to(fixtures_dir / "microtexts" / "part1",
                                           target_is_directory=True)
    return root


def _argv(model: Path, corpora: Path, out: Path, *more) -> list[str]:
    return ["bench", "adapt", "--smoke", "--model", str(model), "--corpora", str(corpora),
            "--genres", "cdcp", "--sizes", "0,1", "--extra", "microtexts", "--out", str(out),
            *more]


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory, tiny_model_dir, corpora, torch_single_thread):
    out = tmp_path_factory.mktemp("adapt") / "results"
    status = main(_argv(tiny_model_dir, corpora, out))
    return status, out


def test_smoke_run_writes_cells_result_and_plot(smoke_run):
    status, out = smoke_run
    assert status == 0
    cells = out / "adapt-model-smoke-cells"
    assert {p.name for p in cells.iterdir()} == CELLS
    data = json.loads((out / "adapt-model-smoke.json").read_text(encoding="utf-8"))
    assert data["suite"] == "adapt" and data["smoke"] is True
    assert {"corpus", "split", "protocol", "model", "machine", "date", "command", "rows",
            "results", "plots"} <= set(data)
    words = data["command"].split()
    assert "--smoke" in words and "--debug" not in words and data["corpus"] == "cdcp"
    adaptation = data["model"]["adaptation"]
    assert adaptation["adapt_rate_factor"] == pytest.approx(1 / 3)
    assert adaptation["mix"] == ["microtexts"]
    assert data["options"]["sizes"] == [0, 1] and data["options"]["genres"] == ["cdcp"]
    curves = data["results"]["curves"]["cdcp"]
    assert [p["size"] for p in curves["adapt"]] == [0, 1]
    assert [p["size"] for p in curves["mixed"]] == [1]
    assert [p["size"] for p in curves["scratch"]] == [1]
    assert [p["size"] for p in curves["baseline"]] == [1]
    for points in curves.values():
        for point in points:
            assert point["draws"] == 1
            for metric in ("macro_f1", "at"):
                assert 0 <= point[metric]["mean"] <= 1 and point[metric]["std"] is None
            assert point["fit_seconds"]["mean"] >= 0
    assert len(data["rows"]) == 5 and {r["table"] for r in data["rows"]} == {"adapt"}
    # adapt trains on the drawn documents alone, mixed adds the original data.
    adapted = json.loads((cells / "cdcp-adapt-n1-d0.json").read_text(encoding="utf-8"))
    assert adapted["mix_documents"] == 0 and adapted["train_units"] > 0
    mixed = json.loads((cells / "cdcp-mixed-n1-d0.json").read_text(encoding="utf-8"))
    assert mixed["mix_documents"] >= 1 and mixed["train_documents"] == adapted["train_documents"]
    assert data["plots"] == ["adapt-model-smoke-curves.png"]
    assert (out / data["plots"][0]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_second_run_skips_done_cells(smoke_run, tiny_model_dir, corpora, capsys):
    _, out = smoke_run
    cells = out / "adapt-model-smoke-cells"
    before = {p.name: p.stat().st_mtime_ns for p in cells.iterdir()}
    capsys.readouterr()
    assert main(_argv(tiny_model_dir, corpora, out, "--force")) == 0
    assert "cell " not in capsys.readouterr().err  # nothing was fitted again
    assert {p.name: p.stat().st_mtime_ns for p in cells.iterdir()} == before


def test_a_committed_result_restores_its_cells_and_the_run_resumes(
        smoke_run, tiny_model_dir, corpora, capsys, tmp_path):
    # A new machine with only the committed result: its cells come back and nothing is
    # fitted again.
    _, out = smoke_run
    fresh = tmp_path / "results"
    fresh.mkdir()
    result = json.loads((out / "adapt-model-smoke.json").read_text(encoding="utf-8"))
    assert {f"{c['genre']}-{c['system']}-n{c['size']}-d{c['draw']}.json"
            for c in result["results"]["cells"]} == CELLS
    (fresh / "adapt-model-smoke.json").write_text(json.dumps(result), encoding="utf-8")
    capsys.readouterr()
    assert main(_argv(tiny_model_dir, corpora, fresh, "--force")) == 0
    err = capsys.readouterr().err
    assert "restored 5 cells" in err and "cell " not in err.replace("restored 5 cells", "")
    again = json.loads((fresh / "adapt-model-smoke.json").read_text(encoding="utf-8"))
    assert again["results"]["curves"] == result["results"]["curves"]


def test_no_fit_reports_the_cells_done_and_counts_the_rest_as_not_run(
        smoke_run, tiny_model_dir, corpora, capsys):
    _, out = smoke_run
    cells = out / "adapt-model-smoke-cells"
    before = {p.name for p in cells.iterdir()}
    argv = _argv(tiny_model_dir, corpora, out, "--force", "--no-fit")
    argv[argv.index("0,1")] = "0,1,2"
    capsys.readouterr()
    assert main(argv) == 0
    assert "cell " not in capsys.readouterr().err  # nothing fitted
    assert {p.name for p in cells.iterdir()} == before  # nothing written for size 2
    data = json.loads((out / "adapt-model-smoke.json").read_text(encoding="utf-8"))
    two = [p for p in data["results"]["curves"]["cdcp"]["adapt"] if p["size"] == 2]
    assert two and two[0]["draws"] == 0 and two[0]["skipped"] == 1
    assert two[0]["macro_f1"]["mean"] is None
    done = [p for p in data["results"]["curves"]["cdcp"]["adapt"] if p["size"] == 1]
    assert done[0]["draws"] == 1


def test_other_settings_refuse_the_cells(smoke_run, tiny_model_dir, corpora, capsys):
    _, out = smoke_run
    assert main(_argv(tiny_model_dir, corpora, out, "--force", "--epochs", "2")) == 1
    assert "delete the cells" in capsys.readouterr().err


def test_adapting_on_no_documents_is_the_base_model(smoke_run, tiny_model_dir, corpora,
                                                    torch_single_thread):
    _, out = smoke_run
    cell = json.loads((out / "adapt-model-smoke-cells" / "cdcp-adapt-n0-d0.json")
                      .read_text(encoding="utf-8"))
    test = load_documents(CorpusSpec("cdcp", str(corpora / "cdcp"), "test"))
    base = scores(evaluate_documents(load(tiny_model_dir, backend="torch"), test))
    assert cell["fit_seconds"] == 0 and cell["train_documents"] == []
    assert math.isclose(cell["macro_f1"], base["macro_f1"])
    assert math.isclose(cell["at"], base["at"])
    assert cell["labels_scored"] == base["labels_scored"] == ["claim", "premise", "none"]


def test_held_out_part_is_fixed_and_disjoint():
    docs = [Document(f"d{i}", "x", ()) for i in range(20)]
    pool, test = held_out(docs)
    assert len(test) == 6 and not {d.id for d in pool} & {d.id for d in test}
    assert held_out(list(reversed(docs)))[1] == sorted(test, key=lambda d: -int(d.id[1:]))


def test_result_name_and_options_are_checked():
    assert result_name("adapt", AdaptOptions()) == "adapt-default"
    with pytest.raises(Exception, match="E301"):
        AdaptOptions(genres=("essays",)).resolved()
    with pytest.raises(Exception, match="E301"):
        AdaptOptions(systems=("adapt", "regularised")).resolved()
