"""Trial: is ONNX Runtime a faster backend than torch for argmine's encoder on a CPU?

Exports the fine-tuned encoder of a saved argmine model (mean pooling included, dynamic
batch and sequence axes) to ONNX, then times torch and ONNX Runtime on exactly the chunks
``ArgumentModel.predict_proba`` encodes: real sentences (the AAE2 test essays), grouped
into ~128 units by document, sorted by length and cut into chunks of the model's chunk
size, tokenized once beforehand (tokenization is the same for both backends and not timed).
Backends are timed in interleaved rounds in one process, so that a load that changes over
time (another job on the machine) hits them alike; the ratios are the figures to read.

Variants: torch fp32 (the reference), ORT fp32 as exported, ORT fp32 after ONNX Runtime's
transformer optimizer (fused attention, layer norm and GELU), and for context torch int8
(``argmine.scoring.runtimes.int8``) and ORT int8 (``onnxruntime.quantization.quantize_dynamic``).
Outputs are checked against torch fp32: max abs difference of the pooled vectors.

Needs ``onnxruntime`` and ``onnx`` (not argmine dependencies)::

    python benchmarks/experiments/onnx_trial.py                       # 2 threads, 5 rounds
    python benchmarks/experiments/onnx_trial.py --threads 1 --rounds 3 --out /tmp/onnx-1.json

Writes ``benchmarks/results/onnx-trial.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[2]
Chunk = tuple[torch.Tensor, torch.Tensor]  # input_ids, attention_mask
Runner = Callable[[Chunk], np.ndarray]


# ----------------------------------------------------------------------------- inputs
def sentence_documents(corpora: Path, n_essays: int) -> list:
    """The first ``n_essays`` AAE2 test essays, one unit per sentence."""
    from argmine.training.data import CorpusSpec, load_documents

    docs = load_documents(CorpusSpec("aae2", str(corpora / "aae2"), "test", "sentence"))
    return docs[:n_essays]


def model_chunks(model, docs: Sequence, batch_units: int = 128) -> list[Chunk]:
    """The tokenized chunks ``predict_proba`` hands the encoder, in the order it does."""
    from argmine.scoring.fit import batches
    from argmine.scoring.model import ENCODE_CHUNK as chunk

    out = []
    for group in batches([d for d in docs if d.units], batch_units):
        texts = [u.text for d in group for u in d.units]
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), chunk):
            batch = model._tokenize([texts[i] for i in order[start: start + chunk]])
            out.append((batch["input_ids"], batch["attention_mask"]))
    return out


# ----------------------------------------------------------------------------- backends
def fuse_transformer(path: Path, config) -> Path:
    """ONNX Runtime's BERT optimizer: fused attention, skip-layer-norm, bias-GELU."""
    from onnxruntime.transformers import optimizer

    fused = optimizer.optimize_model(str(path), model_type="bert",
                                     num_heads=config.num_attention_heads,
                                     hidden_size=config.hidden_size)
    out = path.with_name(path.stem + "-fused.onnx")
    fused.save_model_to_file(str(out))
    return out


def quantize_onnx(path: Path) -> Path:
    """ONNX Runtime's own dynamic int8 quantization of the (fused) graph."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out = path.with_name(path.stem + "-int8.onnx")
    # Fused contrib ops defeat shape inference; their outputs are fp32 all the same.
    quantize_dynamic(str(path), str(out), weight_type=QuantType.QInt8, per_channel=True,
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    return out


def ort_runner(path: Path, threads: int) -> Runner:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def run(chunk: Chunk) -> np.ndarray:
        ids, mask = chunk
        return session.run(None, {"input_ids": ids.numpy(), "attention_mask": mask.numpy()})[0]

    return run


def torch_runner(network: torch.nn.Module) -> Runner:
    """``ArgumentNetwork.encode`` (encoder + mean pooling) as ``predict_proba`` runs it."""
    network.eval()

    def run(chunk: Chunk) -> np.ndarray:
        with torch.inference_mode():
            return network.encode(*chunk).numpy()
    return run


# ----------------------------------------------------------------------------- timing
def interleaved(runners: dict[str, Runner], chunks: Sequence[Chunk], rounds: int,
                warmup: int = 1) -> dict[str, list[float]]:
    """Seconds per pass over all chunks, each round running every backend once in turn."""
    times: dict[str, list[float]] = {name: [] for name in runners}
    for r in range(warmup + rounds):
        # Rotate the order so that no backend always runs right after the same one.
        names = list(runners)[r % len(runners):] + list(runners)[: r % len(runners)]
        for name in names:
            start = time.perf_counter()
            for chunk in chunks:
                runners[name](chunk)
            if r >= warmup:
                times[name].append(time.perf_counter() - start)
    return times


def max_abs_diff(a: Runner, b: Runner, chunks: Sequence[Chunk]) -> float:
    return max(float(np.abs(a(c) - b(c)).max()) for c in chunks)


def summary(times: dict[str, list[float]], units: int, reference: str) -> dict[str, dict]:
    ref = statistics.median(times[reference])
    return {name: {"seconds": t, "median_seconds": statistics.median(t),
                   "units_per_second": units / statistics.median(t),
                   "speedup_vs_" + reference.replace(" ", "_"): ref / statistics.median(t)}
            for name, t in times.items()}


# ----------------------------------------------------------------------------- main
def trial(args: argparse.Namespace) -> dict:
    import onnxruntime

    from argmine.scoring.model import ArgumentModel
    from argmine.scoring.runtimes.int8 import quantize_dynamic

    torch.set_num_threads(args.threads)
    model = ArgumentModel.from_pretrained(args.model)
    docs = sentence_documents(Path(args.corpora), args.essays)
    chunks = model_chunks(model, docs)
    units = sum(c[0].shape[0] for c in chunks)
    from argmine.scoring.runtimes.onnx import export_encoder

    encoder = model.network_.encoder.eval()
    folder = Path(tempfile.mkdtemp(prefix="argmine-onnx-"))
    # The same export argmine's --backend onnx uses (argmine.scoring.runtimes.onnx).
    exported = export_encoder(model.network_, folder / "encoder.onnx")
    fused = fuse_transformer(exported, encoder.config)
    runners = {"torch fp32": torch_runner(model.network_),
               "ort fp32": ort_runner(exported, args.threads),
               "ort fp32 fused": ort_runner(fused, args.threads),
               "torch int8": torch_runner(quantize_dynamic(model).network_),
               "ort int8 fused": ort_runner(quantize_onnx(fused), args.threads)}
    reference = runners["torch fp32"]
    diffs = {name: max_abs_diff(reference, run, chunks) for name, run in runners.items()
             if name != "torch fp32"}
    times = interleaved(runners, chunks, args.rounds)
    return {
        "trial": "argmine encoder (fine-tuned MiniLM-L6 + mean pooling): torch vs ONNX Runtime",
        "model": str(args.model), "texts": f"AAE2 test essays 1-{len(docs)}, sentences",
        "units": units, "chunks": len(chunks),
        "tokens": int(sum(int(c[1].sum()) for c in chunks)),
        "padded_tokens": int(sum(c[1].numel() for c in chunks)),
        "threads": args.threads, "rounds": args.rounds, "warmup_rounds": 1,
        "results": summary(times, units, "torch fp32"),
        "max_abs_diff_pooled_vs_torch_fp32": diffs,
        "machine": {"cpu": platform.processor() or platform.machine(),
                    "cores": os.cpu_count(), "load_average_at_end": os.getloadavg()},
        "versions": {"torch": torch.__version__, "onnxruntime": onnxruntime.__version__,
                     "python": platform.python_version()},
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=str(ROOT / "models" / "default"))
    parser.add_argument("--corpora", default=os.environ.get(
        "ARGMINE_CORPORA", str(ROOT.parent / "shared" / "corpora")))
    parser.add_argument("--essays", type=int, default=40, help="AAE2 test essays to use")
    parser.add_argument("--threads", type=int, default=2, help="threads of each backend")
    parser.add_argument("--rounds", type=int, default=5, help="timed interleaved rounds")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "onnx-trial.json"))
    args = parser.parse_args(argv)
    result = trial(args)
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    for name, r in result["results"].items():
        print(f"{name:16s} {r['units_per_second']:7.1f} units/s  "
              f"×{r['speedup_vs_torch_fp32']:.2f}  "
              f"max |diff| {result['max_abs_diff_pooled_vs_torch_fp32'].get(name, 0.0):.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
