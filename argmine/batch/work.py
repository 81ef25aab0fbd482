"""What a batch worker does with a chunk of documents: mine them and render their records.

Shared by both engines (:mod:`argmine.batch.engines.local`, :mod:`argmine.batch.engines.ray`).
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from argmine.batch.writing import columns
from argmine.errors import ArgmineError
from argmine.export import (
    HTML_END_MARK,
    export,
    html_document_section,
    html_page_end,
    html_page_start,
    mermaid_document_block,
    to_json,
    to_text,
)
from argmine.pipeline import load

LABEL_SOURCES = {True: "decoded", False: "classifier"}
"""``label_source`` of a label record: the decoded trees' label, or the classifier's own."""


@dataclass
class Chunk:
    """A chunk of a batch run: documents to mine, failures found reading, ids skipped."""

    todo: list[tuple[str, Any]]
    failed: list[dict[str, Any]]
    skipped: int = 0


def error_record(doc_id: str, code: str, message: str, source: str | None) -> dict[str, Any]:
    """The errors-file record of a failed document."""
    return {"id": doc_id, "source": source or doc_id, "code": code, "error": message}


def load_spec(spec):
    """The miner of a model spec: ``(name_or_folder, decoding, load options)``, or a miner."""
    return load(spec[0], decoding=spec[1], **spec[2]) if isinstance(spec, tuple) else spec


def set_threads(threads: int | None, miner=None) -> None:
    """Set torch's threads, if torch is loaded at all, and those of a torch-free scorer.

    A scorer served without torch runs ONNX Runtime with its own thread count; without this,
    each of several workers would use every CPU.
    """
    if threads and "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)
    set_scorer_threads = getattr(getattr(miner, "model", None), "set_threads", None)
    if threads and set_scorer_threads is not None:
        set_scorer_threads(threads)


def cpus() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# --------------------------------------------------------------------------- records
def _label_rows(doc, flat: bool, decoded: bool) -> list[dict[str, Any]]:
    rows = []
    for unit in doc.units:
        row = {"doc": doc.id, "index": unit.index, "start": unit.start, "end": unit.end,
               "text": unit.text, "label": unit.label.value,
               "label_source": LABEL_SOURCES[decoded], "score": round(unit.score, 4)}
        scores = {k: round(v, 4) for k, v in unit.scores.items()}
        row.update({f"p_{k}": v for k, v in scores.items()} if flat else {"scores": scores})
        rows.append(row)
    return rows


def _tree_rows(doc) -> list[dict[str, Any]]:
    data = json.loads(to_json(doc, indent=None))
    tree_of = {i: t for t, tree in enumerate(data["trees"]) for i in tree["units"]}
    return [{"doc": doc.id, **unit, "score": None if unit["score"] is None else round(
        unit["score"], 4), "tree": tree_of.get(unit["index"])} for unit in data["units"]]


def header(task: str, fmt: str, decoded: bool = True) -> str:
    """What an output starts with before its first document (CSV columns, a page head)."""
    if fmt == "csv":
        return ",".join(columns(task)) + "\n"
    if task == "label" and fmt == "table":
        what = ("decoded tree labels, as 'argmine tree' gives them" if decoded else
                "the classifier's own labels (--classifier-labels), no links")
        return f"{'doc':<16} {'#':>3}  {'label':<15} score  text    [{what}]\n"
    if fmt == "html":
        return html_page_start()
    return ""


def footer(fmt: str) -> str:
    """What an output ends with after its last document (the end of an HTML page)."""
    return html_page_end() if fmt == "html" else ""


FOOTER_MARKS = {"html": HTML_END_MARK}
"""Per format, the first line of :func:`footer`: a resumed output is cut back to it."""


def render(doc, task: str, fmt: str, decoded: bool = True) -> str:
    """Serialise one processed document: every record of it, each ending in a newline."""
    if fmt in ("csv", "parquet"):
        rows = _label_rows(doc, True, decoded) if task == "label" else _tree_rows(doc)
        if fmt == "parquet":  # the JSONL spool that becomes Parquet at the end
            return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns(task), lineterminator="\n")
        writer.writerows(rows)
        return buffer.getvalue()
    if task == "label" and fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n"
                       for r in _label_rows(doc, False, decoded))
    if task == "label":  # table
        lines = []
        for unit in doc.units:
            text = " ".join(unit.text.split())
            text = text if len(text) <= 90 else text[:89] + "…"
            shown = doc.id if len(doc.id) <= 16 else "…" + doc.id[-15:]
            lines.append(f"{shown:<16} {unit.index:>3}  {unit.label.value:<15} "
                         f"{unit.score:.2f}  {text}\n")
        return "".join(lines)
    if fmt in ("jsonl", "json"):
        return to_json(doc, indent=None) + "\n"
    if fmt == "text":  # a heading per document, one and many alike; a blank line after
        return to_text(doc, header=True) + "\n"
    if fmt == "mermaid":
        return mermaid_document_block(doc)
    if fmt == "html":
        return html_document_section(doc)
    out = export(doc, fmt)
    if fmt == "aif":  # one line per document, like JSONL
        out = json.dumps(json.loads(out), ensure_ascii=False)
    return out if out.endswith("\n") else out + "\n"


# --------------------------------------------------------------------------- processing
def failure(exc: BaseException) -> tuple[str, str, str | None]:
    """``(code, message, where)`` of an exception raised while mining a document."""
    if isinstance(exc, ArgmineError):
        where = exc.path if exc.line is None or exc.path is None else f"{exc.path}:{exc.line}"
        return exc.code, exc.message, where
    return type(exc).__name__, str(exc), None


def _inference():
    torch = sys.modules.get("torch")  # imported by the model if it needs torch at all
    return torch.inference_mode() if torch is not None else nullcontext()


def process(miner, task: str, fmt: str, items: list[tuple[str, Any]],
            decoded: bool = True) -> list[tuple]:
    """Mine ``(id, text_or_units)`` items: ``("ok", block, n_units)`` or ``("error", ...)``.

    ``decoded`` (task ``"label"``): the decoded trees' labels, or the classifier's own.
    """
    results: list[tuple] = [()] * len(items)
    docs, where = [], []
    for i, (doc_id, content) in enumerate(items):
        try:
            docs.append(miner.to_document(content, doc_id))
            where.append(i)
        except Exception as exc:
            results[i] = ("error", *failure(exc))
    # Documents of similar unit length side by side: the model pads each batch of units to
    # its longest one, so mixing one long document into short ones wastes most of a batch.
    order = sorted(range(len(docs)), key=lambda k: len(docs[k].text) / len(docs[k].units))
    def run(batch: list) -> list:
        if task == "label":
            return miner.label_documents(batch, decoded=decoded)
        return miner.mine_documents(batch)

    with _inference():
        try:
            done = list(zip(order, run([docs[k] for k in order])))
        except Exception:
            done = []
            for k in order:  # one bad document must not sink its chunk: find it alone
                try:
                    done.append((k, run([docs[k]])[0]))
                except Exception as exc:
                    results[where[k]] = ("error", *failure(exc))
    for k, doc in done:
        try:
            results[where[k]] = ("ok", render(doc, task, fmt, decoded), len(doc.units))
        except Exception as exc:
            results[where[k]] = ("error", *failure(exc))
    return results
