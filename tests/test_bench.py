"""Tests for argmine/bench/ and ``argmine bench``: the smoke configuration end to end.

Benchmarks are not tests: these only check that the harness runs and writes what it
promises (JSON with provenance, PNG plots), on the tiny model. The tables, git provenance and
compute bound of this project's own benchmark page are benchmarks/harness: tests/test_harness.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from argmine.bench.components import classifier_type, decoded_types, type_report
from argmine.bench.scale import growth
from argmine.bench.speed import (
    INT8,
    PIPELINE_BEST,
    PIPELINE_DEFAULT,
    TORCH,
    best_batch,
    padded_tokens,
    speed_rows,
)
from argmine.cli.app import main
from argmine.document import Document, Relation, Unit
from argmine.schema import Label, RelationKind

RESULT_KEYS = {"bench_format", "suite", "corpus", "split", "protocol", "model", "machine",
               "date", "command", "argmine_version", "rows", "results", "plots"}
MACHINE_KEYS = {"cpu", "cores", "torch_threads"}


def _bench(capsys, *argv) -> tuple[int, list[str], str]:
    status = main(["bench", *[str(a) for a in argv]])
    out, err = capsys.readouterr()
    return status, out.splitlines(), err


def _check_result(path: Path, suite: str) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert RESULT_KEYS <= set(data)
    assert MACHINE_KEYS <= set(data["machine"])
    assert data["suite"] == suite and data["smoke"] is True
    words = data["command"].split()
    assert words[:2] == ["argmine", "bench"] and suite in words and "--smoke" in words
    for plot in data["plots"]:
        png = path.parent / plot
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return data


@pytest.fixture(scope="module")
def speed_scale_run(tmp_path_factory, tiny_model_dir, tiny_baseline_dir, torch_single_thread):
    out = tmp_path_factory.mktemp("bench") / "results"
    status = main(["bench", "speed", "scale", "--smoke", "--model", str(tiny_model_dir),
                   "--baseline", str(tiny_baseline_dir), "--out", str(out)])
    return status, out


# --------------------------------------------------------------------------- quality suites


def test_bench_mtc_smoke_writes_json_table_and_plots(capsys, tmp_path, tiny_model_dir,
                                                      fixtures_dir, torch_single_thread):
    corpus = fixtures_dir / "microtexts" / "part1"
    status, lines, _ = _bench(capsys, "mtc", "--smoke", "--model", tiny_model_dir,
                           "--corpus", f"microtexts:{corpus}", "--out", tmp_path,
                           "--pair-features", "--augment", "forest=0.5",
                           "--mask-absent-labels", "--save-models", tmp_path / "splits")
    assert status == 0
    data = _check_result(tmp_path / "mtc-model-smoke.json", "mtc")
    training = data["model"]["training"]
    assert training["pair_features"] is True and training["augment"] == {"forest": 0.5}
    assert training["mask_absent_labels"] is True
    split = json.loads((tmp_path / "splits" / "split-0" / "config.json").read_text())
    assert split["training"]["mask_absent_labels"] is True
    assert len(data["results"]["splits"]) == 1
    metrics = {k for row in data["rows"] for k in row["metrics"]}
    assert {"macro_f1", "accuracy", "cc", "ro", "fu", "at"} <= metrics
    assert {"mtc-model-smoke-confusion.png", "mtc-model-smoke-f1.png"} <= set(data["plots"])
    assert lines == [str(tmp_path / "mtc-model-smoke.json")]


def test_bench_user_corpus_scores_a_jsonl_file(capsys, tmp_path, tiny_model_dir,
                                               tiny_documents, torch_single_thread):
    corpus = tmp_path / "mine.jsonl"
    records = []
    for doc in tiny_documents[:3]:
        parents = {r.source: r for r in doc.relations}
        units = [{"start": u.start, "end": u.end, "label": u.label.value,
                  **({"parent": parents[u.index].target,
                      "relation": parents[u.index].kind.value} if u.index in parents else {})}
                 for u in doc.units]
        records.append(json.dumps({"id": doc.id, "text": doc.text, "units": units}))
    corpus.write_text("\n".join(records) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    status, _, _ = _bench(capsys, "user", "--smoke", "--model", tiny_model_dir,
                       "--corpus", f"jsonl:{corpus}", "--out", out)
    assert status == 0
    data = _check_result(out / "user-mine-model-smoke.json", "user")
    assert data["corpus"] == "jsonl" and data["results"]["documents"] == 3
    assert data["model"]["path"] == str(tiny_model_dir)


def test_bench_cli_names_every_suite():
    from argmine.bench import SUITES
    from argmine.cli import bench

    assert bench.SUITES == tuple(SUITES)


def test_bench_report_is_no_longer_a_suite(capsys, tmp_path):
    with pytest.raises(SystemExit):  # argparse: invalid choice (benchmarks/harness/report.py)
        main(["bench", "report", "--out", str(tmp_path)])
    assert "invalid choice" in capsys.readouterr().err


def test_bench_refuses_to_overwrite_without_force(capsys, tmp_path):
    (tmp_path / "mtc-baseline.json").write_text("{}", encoding="utf-8")
    status, _, err = _bench(capsys, "mtc", "--model", "baseline", "--out", tmp_path)
    assert status == 1 and "--force" in err


def test_bench_cross_refuses_a_corpus_the_model_was_trained_on(capsys, tmp_path,
                                                              tiny_model_dir, fixtures_dir):
    import shutil

    model = tmp_path / "seen"
    shutil.copytree(tiny_model_dir, model)
    (model / "README.md").write_text("## Training data\n\n- `microtexts` — licence: x\n",
                                     encoding="utf-8")
    corpus = fixtures_dir / "microtexts" / "part1"
    status, _, err = _bench(capsys, "cross", "--model", model, "--corpus",
                            f"microtexts:{corpus}", "--out", tmp_path / "out")
    assert status == 1 and "not trained on" in err


@pytest.mark.corpora
def test_bench_aae2_smoke_on_the_real_essays(capsys, tmp_path, corpora_root, tiny_model_dir,
                                             torch_single_thread):
    status, _, _ = _bench(capsys, "aae2", "--smoke", "--max-docs", "1", "--model",
                       tiny_model_dir, "--corpora", corpora_root, "--out", tmp_path)
    assert status == 0
    data = _check_result(tmp_path / "aae2-model-smoke.json", "aae2")
    components = data["results"]["components"]
    assert components["documents"] == 1
    assert components["classifier"]["labels"] == ["MajorClaim", "Claim", "Premise"]
    assert sum(map(sum, components["decoded"]["confusion"])) == components["units"]
    assert any(r["task"].startswith("component types") for r in data["rows"])


# --------------------------------------------------------------------------- speed, scale


def test_bench_speed_smoke_reports_ratios_memory_and_bound(speed_scale_run):
    status, out = speed_scale_run
    assert status == 0
    data = _check_result(out / "speed-model-smoke.json", "speed")
    systems = {(r["stage"], r["system"]) for r in data["rows"]}
    assert {("label", "argmine"), ("tree", "argmine"), ("label", INT8),
            ("label", PIPELINE_DEFAULT), ("label", PIPELINE_BEST),
            ("label", "baseline")} <= systems
    rows = {(r["stage"], r["system"]): r["metrics"] for r in data["rows"]}
    label = rows["label", "argmine"]
    assert label["ratio"] == pytest.approx(1.0)
    assert rows["label", PIPELINE_DEFAULT]["ratio_to_pipeline_default"] == pytest.approx(1.0)
    assert label["ratio_to_pipeline_default"] > 0
    best = data["results"]["pipeline_best_batch_size"]
    assert rows["label", PIPELINE_BEST]["batch_size"] == best in (1, 4)
    assert data["results"]["runs"][f"label/{INT8}"]["units"] == label_units(data)
    tokens = data["results"]["tokens"]
    assert tokens["padded_tokens_per_unit"] >= tokens["mean_tokens"] > 0
    # The compute bound is the harness's (tests/test_harness.py), not the user-facing suite's.
    assert "cpu_peak" not in data["results"] and "peak_fraction" not in label
    assert "commit" not in data
    run = data["results"]["runs"]["label/argmine"]
    assert {"median", "min", "max"} <= set(run["seconds"]) and "rss_peak_mib" in run["memory"]
    # "argmine" is what `argmine label` runs by default; torch is timed beside it.
    assert run["backend"] == data["results"]["default_backend"] == label["backend"]
    if run["backend"] == "onnx":
        assert rows["label", TORCH]["backend"] == "torch"
    assert set(data["results"]["batch_sweep"]["transformers pipeline"]) == {"1", "4"}


def label_units(data: dict) -> int:
    return data["results"]["runs"]["label/argmine"]["units"]


def test_bench_padded_tokens_counts_what_the_model_encodes(tiny_network, tiny_documents,
                                                          monkeypatch):
    model = tiny_network.model
    docs = list(tiny_documents) * 4  # > 32 units per group: several chunks, sorted by length
    seen: list[int] = []
    encode = type(model.network_).encode

    def spy(self, input_ids, attention_mask):
        seen.append(input_ids.numel())
        return encode(self, input_ids, attention_mask)

    monkeypatch.setattr(type(model.network_), "encode", spy)
    texts = [u.text for d in docs for u in d.units]
    counts = [len(ids) for ids in model.tokenizer_(
        texts, truncation=True, max_length=model.config.max_length)["input_ids"]]
    for batch_units in (16, 128):
        seen.clear()
        model.predict_proba(docs, batch_units=batch_units)
        assert len(seen) > 2
        assert padded_tokens(docs, counts, batch_units) == sum(seen)


def test_bench_speed_rows_ratios_and_best_batch():
    def run(stage, system, rate, **extra):
        return {"stage": stage, "system": system, **extra,
                "units_per_second": {"median": rate, "min": rate, "max": rate},
                "memory": {"rss_growth_mib": 1.0, "rss_peak_mib": 2.0}}

    runs = {"label/argmine": run("label", "argmine", 100.0),
            f"label/{PIPELINE_DEFAULT}": run("label", PIPELINE_DEFAULT, 25.0),
            f"label/{PIPELINE_BEST}": run("label", PIPELINE_BEST, 50.0, batch_size=32),
            "label/baseline": run("label", "baseline", 1000.0)}
    rows = {r["system"]: r["metrics"] for r in speed_rows(runs)}
    assert rows["argmine"]["ratio_to_pipeline_default"] == pytest.approx(4.0)
    assert rows[PIPELINE_BEST]["ratio"] == pytest.approx(0.5)
    assert rows[PIPELINE_BEST]["batch_size"] == 32
    sweep = {b: {"units_per_second": {"median": r}} for b, r in {1: 3.0, 8: 9.0, 32: 9.0}.items()}
    assert best_batch(sweep) == 8


def test_bench_scale_smoke_reports_growth_per_stage(speed_scale_run):
    status, out = speed_scale_run
    assert status == 0
    data = _check_result(out / "scale-model-smoke.json", "scale")
    stages = {r["stage"] for r in data["rows"]}
    assert {"encoder", "heads", "model total", "decoder", "label, batch of documents"} <= stages
    assert set(data["results"]["length"]["decoder"]) == {"5", "10", "20"}
    assert all("slope" in r["metrics"] for r in data["rows"])
    assert not (out / "results.md").exists()  # tables are the harness's


# --------------------------------------------------------------------------- pure parts


def test_bench_growth_names_linear_and_quadratic():
    sizes = [10, 100, 1000, 2000]
    assert growth(sizes, [0.5 + s / 100 for s in sizes])["growth"] == "linear"
    assert growth(sizes, [(s / 100) ** 2 for s in sizes])["growth"] == "quadratic"
    assert growth([10], [1.0])["slope"] is None


def test_bench_components_map_labels_and_trees_to_essay_types():
    edges = (1, 4)
    assert classifier_type(Label.CLAIM, 1, edges) == "MajorClaim"
    assert classifier_type(Label.CLAIM, 2, edges) == "Claim"
    assert classifier_type(Label.REBUTTAL, 4, edges) == "Premise"
    units = tuple(Unit(i, "x", 2 * i, 2 * i + 1, label=lab, paragraph=p) for i, (lab, p) in
                  enumerate([(Label.CLAIM, 1), (Label.COUNTERARGUMENT, 2),
                             (Label.COUNTERARGUMENT, 2), (Label.CLAIM, 3), (Label.NONE, 3)]))
    doc = Document("e", "x " * 5, units, (Relation(1, 0, RelationKind.ATTACK),
                                          Relation(2, 1, RelationKind.SUPPORT)))
    assert decoded_types(doc, edges) == ["MajorClaim", "Claim", "Premise", "Claim", "Premise"]
    report = type_report(["MajorClaim", "Claim"], ["MajorClaim", "Premise"])
    assert report["per_label"]["MajorClaim"]["f1"] == 1.0 and report["confusion"][1][2] == 1
