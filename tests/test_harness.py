"""Tests for benchmarks/harness/: the tables, git provenance and compute bound of this
project's benchmark page (outside the package; imported from the checkout)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from argmine.bench import BenchOptions, write_result
from argmine.bench.speed import run_speed
from argmine.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.harness import bench, peaks, provenance, report  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
README = ROOT / "benchmarks" / "README.md"


def test_harness_report_reproduces_the_committed_readme_tables():
    text = README.read_text(encoding="utf-8")
    block = text.split(report.MARK_START + "\n", 1)[1].split(report.MARK_END, 1)[0]
    assert report.render(report.load_results(RESULTS)) == block


def test_harness_report_reproduces_the_committed_adapt_table():
    text = README.read_text(encoding="utf-8")
    block = text.split(report.ADAPT_START + "\n", 1)[1].split(report.ADAPT_END, 1)[0]
    assert "\n".join(report.adapt_table(report.load_results(RESULTS))) == block


def _adapt_result() -> dict:
    def row(genre, n, system, f1, at, std=None, draws=2):
        return {"table": "adapt", "corpus": genre, "split": "s", "system": system,
                "task": f"{n} adaptation documents",
                "metrics": {"macro_f1": f1, "at": at, "macro_f1_std": std, "at_std": std,
                            "fit_seconds": 12.0, "draws": draws}}

    # abstrct first and a "size" field on some rows only (older results name it in the task).
    rows = [row("abstrct", 10, "adapt", 0.7, 0.8, 0.03),
            row("cdcp", 10, "adapt", 0.5, 0.6, 0.01), row("cdcp", 0, "adapt", 0.4, 0.5, draws=1),
            row("cdcp", 10, "zeta", 0.1, 0.1), {**row("cdcp", 10, "scratch", 0.3, 0.4, 0.02),
                                                 "size": 10}]
    return {"bench_format": 1, "suite": "adapt", "name": "adapt-default", "smoke": False,
            "commit": "0123456789abcdef", "dirty": True, "date": "2025-01-02T03:04:05+00:00",
            "command": "argmine bench adapt", "machine": {"cpu": "Test CPU"},
            "rows": rows}


def test_harness_report_adapt_table_has_a_row_per_genre_and_size():
    lines = report.adapt_table([_adapt_result()])
    assert "measured `0123456+`" in lines[0]
    table = [line for line in lines if line.startswith("| ") and "---" not in line]
    # Known genres and systems in the suite's order, whatever the rows' order (scratch
    # before the unknown zeta, CDCP before AbstRCT).
    assert table[0].startswith("| Genre | Documents | adapt | scratch | zeta |")
    assert table[1:] == [
        "| cdcp | 0 | 0.400 / 0.500 | – | – | 12 / – / – | 1 |",
        "| cdcp | 10 | 0.500 ±0.010 / 0.600 ±0.010 | 0.300 ±0.020 / 0.400 ±0.020 "
        "| 0.100 / 0.100 | 12 / 12 / 12 | 2 |",
        "| abstrct | 10 | 0.700 ±0.030 / 0.800 ±0.030 | – | – | 12 / – / – | 2 |",
    ]


def test_harness_report_fills_the_adapt_block_when_the_readme_has_it(tmp_path):
    write_result(_adapt_result(), tmp_path / "adapt-default.json")
    readme = tmp_path / "README.md"
    readme.write_text(f"{report.ADAPT_START}\nSTALE\n{report.ADAPT_END}\n\n{report.MARK_START}\n"
                      f"{report.MARK_END}\n", encoding="utf-8")
    report.write_report(tmp_path, readme)
    text = readme.read_text(encoding="utf-8")
    adapt = text.split(report.ADAPT_START, 1)[1].split(report.ADAPT_END, 1)[0]
    assert "STALE" not in adapt and "| cdcp | 10 |" in adapt
    results_md = (tmp_path / "results.md").read_text(encoding="utf-8")
    assert results_md.index("| cdcp | 10 |") < results_md.index("### Runs")


def test_harness_report_keeps_the_adapt_block_without_an_adapt_result(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"{report.ADAPT_START}\nkept\n{report.ADAPT_END}\n{report.MARK_START}\n"
                      f"{report.MARK_END}\n", encoding="utf-8")
    report.write_report(tmp_path, readme)
    assert f"{report.ADAPT_START}\nkept\n{report.ADAPT_END}" in readme.read_text()
    readme.write_text(f"{report.ADAPT_START}\n{report.MARK_START}\n{report.MARK_END}\n")
    with pytest.raises(InputError, match="adapt:end"):
        report.write_report(tmp_path, readme)


def test_harness_report_regenerates_the_readme_block(capsys, tmp_path):
    result = {"bench_format": 1, "suite": "cross", "name": "cross-default", "smoke": False,
              "commit": "0123456789abcdef", "dirty": False, "date": "2025-01-02T03:04:05+00:00",
              "command": "argmine bench cross --out x", "machine": {"cpu": "Test CPU"},
              "rows": [{"table": "quality", "corpus": "microtexts", "split": "all, gold units",
                        "task": "4-label units + structure (decoded trees)", "system": "m",
                        "metrics": {"macro_f1": 0.5, "cc": float("nan")}}]}
    write_result(result, tmp_path / "cross-default.json")
    (tmp_path / "other.json").write_text('{"not": "a bench result"}', encoding="utf-8")
    readme = tmp_path / "README.md"
    readme.write_text(f"# Bench\n\nintro\n\n{report.MARK_START}\npending\n{report.MARK_END}\n"
                      "\nend\n", encoding="utf-8")
    assert report.main([str(tmp_path), "--readme", str(readme)]) == 0
    assert capsys.readouterr().out.split() == [str(tmp_path / "results.md"), str(readme)]
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# Bench\n\nintro") and text.rstrip().endswith("end")
    assert "pending" not in text and "measured `0123456`" in text
    lines = text.splitlines()
    measured = next(i for i, line in enumerate(lines) if "measured `0123456`" in line)
    published = next(i for i, line in enumerate(lines) if "[peldszus2015]" in line)
    assert measured < published  # published rows follow the measured ones of their task
    assert all(row["cite"] in text for row in report.PUBLISHED)
    assert json.loads((tmp_path / "cross-default.json").read_text())["rows"][0]["metrics"][
        "cc"] is None


def test_harness_report_needs_the_markers(capsys, tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("no markers\n", encoding="utf-8")
    assert report.main([str(tmp_path), "--readme", str(readme)]) == 1
    assert "argmine-bench" in capsys.readouterr().err


def test_harness_git_state_names_this_checkout():
    state = provenance.git_state()
    assert set(state) == {"commit", "dirty"}
    assert state["commit"] is None or len(state["commit"]) == 40


def test_harness_encoder_flops_counts_weights_and_attention(tiny_network):
    encoder = tiny_network.model.network_.encoder
    weights = sum(p.numel() for name, p in encoder.encoder.named_parameters()
                  if name.endswith("weight") and p.dim() == 2)
    result = peaks.encoder_flops(encoder.config, [10, 30])
    assert result["params_non_embedding"] == weights
    h, layers = encoder.config.hidden_size, encoder.config.num_hidden_layers
    expected = (2 * weights * 20) + 4 * layers * h * (100 + 900) / 2
    assert result["flops_per_unit"] == pytest.approx(expected)
    assert peaks.encoder_flops(SimpleNamespace(hidden_size=2, num_hidden_layers=1,
                                               intermediate_size=4), [])["flops_per_unit"] == 0


def test_harness_compute_bound_measures_the_peak_before_and_after(torch_single_thread):
    config = SimpleNamespace(hidden_size=8, num_hidden_layers=1, intermediate_size=16)
    options = BenchOptions(smoke=True, gemm_size=32).resolved()
    finish = peaks.compute_bound({"config": config, "token_counts": [3, 5],
                                  "padded_tokens_per_unit": 5.0, "encode_chunk": 2,
                                  "options": options})
    result = {"rows": [{"stage": s, "system": n, "metrics": {"units_per_s": 10.0}}
                       for s, n in (("segment", "argmine"), ("label", "argmine"),
                                    ("label", "baseline"))], "results": {}}
    finish(result)
    peak, flops = result["results"]["cpu_peak"], result["results"]["flops"]
    assert len(peak["measurements_gflops"]) == 2 and peak["gflops"] > 0
    assert flops["padding_overhead"] == pytest.approx(5.0 / 4.0)
    bound = [r for r in result["rows"] if "peak_fraction" in r["metrics"]]
    assert [(r["stage"], r["system"]) for r in bound] == [("label", "argmine")]
    metrics = bound[0]["metrics"]
    assert metrics["bound_units_per_s"] == pytest.approx(
        peak["gflops"] * 1e9 / flops["flops_per_unit"])


def test_harness_bench_adds_the_bound_and_git_state(capsys, tmp_path, tiny_model_dir,
                                                    tiny_baseline_dir, torch_single_thread):
    out = tmp_path / "results"
    status = bench.main(["speed", "--smoke", "--model", str(tiny_model_dir), "--baseline",
                         str(tiny_baseline_dir), "--out", str(out)])
    assert status == 0, capsys.readouterr().err
    assert bench.SUITES["speed"] is run_speed  # the plain suite again afterwards
    data = json.loads((out / "speed-model-smoke.json").read_text(encoding="utf-8"))
    assert {"commit", "dirty", "machine", "date", "command"} <= set(data)
    assert data["results"]["cpu_peak"]["gflops"] > 0
    label = next(r["metrics"] for r in data["rows"]
                 if (r["stage"], r["system"]) == ("label", "argmine"))
    assert 0 < label["peak_fraction"] and label["gflop_per_unit"] > 0
    table = "\n".join(report.speed_table([data]))
    best = data["results"]["pipeline_best_batch_size"]
    assert "× transformers pipeline (default batch size)" in table
    assert f"best batch size of the sweep: {best})" in table
    assert "Peak " in table and "GFLOP/s" in table
