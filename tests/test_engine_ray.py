"""Tests for argmine/ray_engine.py: `--engine ray` writes what the local engine writes."""

from __future__ import annotations

import importlib.util
import json
import logging
import pickle
import subprocess
import sys
import time
from pathlib import Path

import pytest

from argmine.batch import check_options, iter_sources, run_batch
from argmine.cli.app import main
from argmine.errors import InputError, ModelFormatError
from argmine.pipeline import load

ray = pytest.importorskip("ray")

REPO = Path(__file__).resolve().parents[1]
SENTENCES = [
    "Cities should ban cars.", "Exhaust fumes make the air unhealthy.",
    "Some say shops would lose customers.", "But pedestrians spend more money in town.",
    "Museums should be free.", "Culture belongs to all citizens.",
]
CPUS = 2


def _text(i: int) -> str:
    return " ".join(SENTENCES[(i + k) % len(SENTENCES)] for k in range(1 + i % 3))


def _items(n: int) -> list[tuple[str, str]]:
    return [(f"d{i}", _text(i)) for i in range(n)]


def _corpus(root: Path, n_good: int = 6) -> Path:
    """A handful of tiny text files and one empty one."""
    root.mkdir()
    for i in range(n_good):
        (root / f"good{i}.txt").write_text(_text(i), "utf-8")
    (root / "empty.txt").write_bytes(b"")
    return root


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def _interrupt_after(items, n: int):
    """Yield ``n`` items, then stop the run as Ctrl-C would."""
    for i, item in enumerate(items):
        if i == n:
            raise KeyboardInterrupt
        yield item


def _assert_same_records(ray_out: Path, local_out: Path) -> None:
    mine, theirs = _jsonl(ray_out), _jsonl(local_out)
    key = ("doc", "index", "start", "end", "text", "label")
    assert [[r[k] for k in key] for r in mine] == [[r[k] for k in key] for r in theirs]
    for a, b in zip(mine, theirs):
        assert a["score"] == pytest.approx(b["score"], abs=1e-4)
        assert a["scores"] == pytest.approx(b["scores"], abs=1e-4)


@pytest.fixture(scope="module")
def ray_session():
    """One Ray instance for the module: each run_batch uses it instead of starting its own."""
    started = not ray.is_initialized()
    ray.init(address="local", num_cpus=CPUS, include_dashboard=False, ignore_reinit_error=True,
             logging_level=logging.ERROR, log_to_driver=False)
    yield
    if started:
        ray.shutdown()


def _all_cpus_free(timeout: float = 30.0) -> bool:
    """Whether the engine's actors are gone (they are killed asynchronously)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ray.available_resources().get("CPU", 0) >= CPUS:
            return True
        time.sleep(0.2)
    return False


# --------------------------------------------------------------------------- options


@pytest.mark.parametrize("options, param", [
    ({"engine": "spark"}, "engine"),
    ({"ray_address": "auto"}, "ray_address"),  # an address means nothing to the local engine
    ({"engine": "ray", "ray_address": ""}, "ray_address"),
])
def test_engine_check_options_refuses(options, param):
    with pytest.raises(InputError) as info:
        check_options(**options)
    assert info.value.code == "E301" and info.value.details["param"] == param


def test_engine_ray_without_ray_installed_says_how_to_install(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "ray" else real(name, *a))
    with pytest.raises(InputError) as info:
        check_options(engine="ray")
    assert info.value.code == "E301" and "pip install argmine[ray]" in str(info.value)


def test_engine_cli_refuses_an_unknown_engine(capsys, tmp_path: Path):
    with pytest.raises(SystemExit) as info:
        main(["label", str(tmp_path), "--engine", "spark"])
    assert info.value.code == 2
    assert "--engine" in capsys.readouterr().err
    status = main(["label", str(tmp_path), "--ray-address", "auto"])
    assert status == 2 and "E301" in capsys.readouterr().err


def test_engine_local_never_imports_ray(tmp_path: Path, tiny_baseline_dir: Path):
    code = ("import sys, argmine, argmine.cli.app\n"
            "from argmine.batch import run_batch\n"
            f"run_batch({str(tiny_baseline_dir)!r}, [('a', 'Cars pollute. Ban them.')],\n"
            f"          output={str(tmp_path / 'o.jsonl')!r})\n"
            "assert 'ray' not in sys.modules, 'ray was imported'\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, cwd=REPO)
    assert result.returncode == 0, result.stderr


# --------------------------------------------------------------------------- engine


class _FakeQueue:
    """The driver's side of the Ray queue, with the 'actors' answering in order."""

    def __init__(self) -> None:
        self.items: list = []
        self.most_in_flight = 0
        self.answered = 0

    def put(self, item) -> None:
        self.items.append(item)
        if item is not None:
            self.most_in_flight = max(self.most_in_flight, len(self.items) - self.answered)

    def outputs(self, shift: int = 0):
        while self.answered < len(self.items) and self.items[self.answered] is not None:
            number, items = self.items[self.answered]
            self.answered += 1
            results = [("ok", f"{doc_id}\n", 1) for doc_id, _ in pickle.loads(items)]
            yield number + shift, pickle.dumps(("ok", results))


def test_engine_ray_exchange_keeps_order_and_bounds_what_is_in_flight():
    from argmine.batch.engines.ray import _exchange
    from argmine.batch.work import Chunk as _Chunk

    chunks = [_Chunk([(f"d{i}", "x")], []) if i % 3 else _Chunk([], [{"id": f"e{i}"}])
              for i in range(10)]
    queue = _FakeQueue()
    got = list(_exchange(queue, queue.outputs(), iter(chunks), limit=2))
    assert [chunk for chunk, _ in got] == chunks  # chunks without work wait their turn
    assert [r for _, r in got if r] == [[("ok", f"d{i}\n", 1)] for i in range(10) if i % 3]
    # At most the limit, plus the chunk just sent, before the driver waits for the oldest.
    assert queue.most_in_flight == 3 and queue.items[-1] is None  # then the end marker
    queue = _FakeQueue()
    with pytest.raises(RuntimeError, match="was due"):
        list(_exchange(queue, queue.outputs(shift=1), iter(chunks), limit=0))



def test_engine_ray_writes_what_the_local_engine_writes(tmp_path: Path, tiny_model_dir: Path,
                                                        ray_session):
    corpus = _corpus(tmp_path / "corpus")
    runs = {}
    for engine in ("local", "ray"):
        out = tmp_path / f"{engine}.jsonl"
        runs[engine] = run_batch(str(tiny_model_dir), iter_sources([corpus]), output=out,
                                 batch_docs=2, threads=1, engine=engine)
    for summary in runs.values():
        assert (summary.ok, summary.failed, summary.exit_status) == (6, 1, 1)
        [error] = _jsonl(Path(summary.errors))
        assert (error["id"], error["code"]) == ("empty.txt", "E002")
    _assert_same_records(tmp_path / "ray.jsonl", tmp_path / "local.jsonl")
    assert not Path(f"{tmp_path / 'ray.jsonl'}.checkpoint").exists()


def test_engine_ray_resume_skips_done_documents(tmp_path: Path, tiny_baseline_dir: Path,
                                                ray_session):
    items = _items(11) + [("bad", InputError("E004", path="bad"))] + _items(14)[11:]
    out = tmp_path / "ray.jsonl"
    model = str(tiny_baseline_dir)
    with pytest.raises(KeyboardInterrupt):
        run_batch(model, _interrupt_after(items, 7), output=out, batch_docs=2, engine="ray")
    assert _all_cpus_free()  # the interrupted run's actors are gone
    first = [r["doc"] for r in _jsonl(out)]
    assert first and set(first) <= {f"d{i}" for i in range(6)}  # whole chunks committed
    # A miner object this time, copied to each actor; two actors, whose results must still
    # be written in input order.
    summary = run_batch(load(model), items, output=out, resume=True, batch_docs=2,
                        engine="ray", workers=2)
    done = len(dict.fromkeys(first))
    assert (summary.ok, summary.skipped, summary.failed) == (14 - done, done, 1)
    run_batch(model, items, output=tmp_path / "local.jsonl", batch_docs=2)
    _assert_same_records(out, tmp_path / "local.jsonl")  # each document written once
    again = run_batch(model, items, output=out, resume=True, engine="ray")
    assert (again.ok, again.skipped, again.previously_failed) == (0, 15, 1)


def test_engine_ray_cli_label(capsys, tmp_path: Path, tiny_baseline_dir: Path, ray_session):
    corpus = _corpus(tmp_path / "corpus", n_good=4)
    outs = {}
    for engine in ("local", "ray"):
        outs[engine] = tmp_path / f"{engine}.jsonl"
        status = main(["label", str(corpus), "--model", str(tiny_baseline_dir), "--engine",
                       engine, "--workers", "1", "--batch-docs", "2", "-o", str(outs[engine])])
        err = capsys.readouterr().err
        assert status == 1 and "4 documents" in err and "1 document failed" in err
    _assert_same_records(outs["ray"], outs["local"])
    assert outs["ray"].read_bytes() == outs["local"].read_bytes()


def test_engine_ray_reports_a_model_that_fails_to_load(tmp_path: Path, ray_session):
    model = tmp_path / "not-a-model"
    model.mkdir()  # a folder, so the driver's check passes: the actors fail to load it
    with pytest.raises(ModelFormatError) as info:
        run_batch(str(model), _items(3), output=tmp_path / "o.jsonl", engine="ray")
    assert info.value.code == "E201"
    assert _all_cpus_free()
