"""A yardstick that cannot be tuned to: one model recipe beside the classical baseline.

Four parts, each written to ``benchmarks/results/yardstick-<recipe>-<part>.json``:

``a``  microtexts part 1, all 10 iterations of the fixed 10x5 folds (50 splits, gold units,
       one tree per text): 4-label macro-F1 of the classifier and of the decoded labels,
       structure cc / ro / fu / at; beside the trivial structures "first unit = claim, every
       other unit attaches to the previous one" (chain) and "... supports the first"
       (star), scored on the same folds from the gold documents.
``b``  leave one corpus out over the five shared corpora: train on four (their train splits;
       all of a corpus without one), test on the fifth (its test split, or all of it),
       macro-F1 over the labels that corpus has in its gold.
``c``  AAE2 official test split: 5-label sentences, MajorClaim/Claim/Premise on the gold
       components (``argmine bench aae2``).
``d``  the seed article against ``seeds/track-ii-talks.gold.json``: labels, structure and
       the five named links of its main argument (``benchmarks/experiments/link_diagnostics.py``).

Recipes: ``baseline`` (TF-IDF + position features + logistic regression), ``default`` (the
two stages of ``models/train-default.sh``; parts c and d score the shipped
``models/default`` itself, no training), ``context`` (the same two stages with units read
in context, ``--segment-tokens 256``; parts c and d score the model the two stages train on
the five corpora), ``mask`` (the same two stages with ``--mask-absent-labels``; the same
for parts c and d), or ``"--epochs 4 ..."``: ``argmine train``
options of a one-stage recipe from the base encoder (with ``--name``). argmine is driven
only through its CLI and its public Python API. Every training and scoring step writes
its files under ``--work`` (default ``runs/yardstick``) and is skipped when they are already
there, so a long neural run resumes where it stopped (``argmine train --checkpoint-dir
--resume`` inside a training, ``argmine bench mtc --save-models`` between the 50 splits).

    python benchmarks/yardstick.py --recipe baseline --part a,b,c,d
    python benchmarks/yardstick.py --recipe default --part c,d
    python benchmarks/yardstick.py --table
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
SEED = ROOT / "seeds" / "track-ii-talks.gold.json"
ARGMINE = [str(Path(sys.executable).with_name("argmine"))
           if Path(sys.executable).with_name("argmine").is_file() else "argmine"]
CORPORA = ("microtexts", "aae2", "cdcp", "abstrct", "web-discourse")
# The labels each corpus's scheme can hold at the level part b scores it (docs/corpora.md),
# where that is fewer than five: the microtexts' gold units are all argumentative, CDCP
# annotates no attack, AbstRCT no rebuttal. From the annotation schemes, not the test data.
SCHEME_LABELS = {"microtexts": ("claim", "premise", "counterargument", "rebuttal"),
                 "cdcp": ("claim", "premise", "none"),
                 "abstrct": ("claim", "premise", "counterargument", "none")}
TRAIN_SPLIT = {"aae2": "train", "cdcp": "train", "abstrct": "train"}  # others: all
TEST_SPLIT = {"aae2": "test", "cdcp": "test", "abstrct": "test"}
# models/train-default.sh: stage 1 on the corpora other than the microtexts, stage 2 from
# it on the microtexts, AAE2 and AbstRCT with the hypophora/enumeration rewrites.
STAGE1 = ("--units-per-epoch 4000 --epochs 8 --trainable-layers 2 --batch-units 48 "
          "--patience 3 --seed 0").split()
STAGE1_WEIGHTS = {"web-discourse": 0.5, "cdcp": 0.3, "abstrct": 0.3}
STAGE2_KINDS = ("microtexts", "aae2", "abstrct")
STAGE2 = ("--augment hypophora=0.7 --augment enumeration=0.5 --units-per-epoch 850 "
          "--epochs 12 --trainable-layers 4 --batch-units 16 --seed 0").split()
# argmine train --init alone lowers the rates to a third (for adapting on a few documents);
# stage 2 names the defaults it was made with. bench mtc has no such lowering.
# tests/test_cli.py checks them, with STAGE2, against models/default/config.json.
STAGE2_RATES = "--learning-rate 1e-4 --head-learning-rate 1e-3".split()
STAGE2_WEIGHTS = {"abstrct": 0.3, "microtexts": 20}
# The "context" recipe: the default's two stages with units read in context (issue 19).
CONTEXT = ["--segment-tokens", "256"]
# The "mask" recipe: the default's two stages, each corpus's label loss over the labels its
# gold uses (issue 19, label hygiene).
MASK = ["--mask-absent-labels"]
TWO_STAGE = ("default", "context", "mask")
SHIPPED = ROOT / "models" / "default"


def log(message: str) -> None:
    print(f"[yardstick] {message}", file=sys.stderr, flush=True)


DRY = False  # --dry-run: print the commands, run none


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess | None:
    log(("would run: " if DRY else "") + " ".join(shlex.quote(c) for c in cmd))
    return None if DRY else subprocess.run(cmd, check=True, cwd=ROOT, **kwargs)


def spec(kind: str, split: dict) -> str:
    return f"{kind}@{split[kind]}" if kind in split else kind


def weights(table: dict, kinds) -> list[str]:
    return [a for k in kinds if k in table for a in ("--weight", f"{k}={table[k]}")]


class Recipe:
    """How to train a model on a set of corpora, and its options for ``argmine bench mtc``."""

    def __init__(self, text: str, name: str | None, work: Path, device: str):
        self.text, self.device = text, device
        self.name = name or (text if text in ("baseline", *TWO_STAGE) else "custom")
        self.args = [] if text in ("baseline", *TWO_STAGE) else shlex.split(text)
        self.stage_args = {"context": CONTEXT, "mask": MASK}.get(text, [])
        self.work = work / self.name

    def train(self, kinds: list[str]) -> Path:
        """Train on ``kinds`` (train splits), or reuse the model from an earlier run."""
        kinds = sorted(kinds)
        out = self.work / "models" / "+".join(kinds)
        if (out / "config.json").is_file():
            return out
        corpora = [a for k in kinds for a in ("--corpus", spec(k, TRAIN_SPLIT))]
        device = ["--device", self.device]
        if self.text == "baseline":
            run([*ARGMINE, "train", "--baseline", *corpora, "--output", str(out), "--force"])
        elif self.text in TWO_STAGE:
            first = [k for k in kinds if k != "microtexts"]
            second = [k for k in kinds if k in STAGE2_KINDS]
            init = []
            if first:
                init = ["--init", str(self.train_stage1(first))]
            if second:
                run([*ARGMINE, "train", *init, *device, "--quiet",
                     *[a for k in second for a in ("--corpus", spec(k, TRAIN_SPLIT))],
                     *weights(STAGE2_WEIGHTS, second), *STAGE2, *STAGE2_RATES,
                     *self.stage_args,
                     "--checkpoint-dir", f"{out}-ckpt", "--resume", "--output", str(out),
                     "--force"])
            else:
                return Path(init[1])
        else:
            run([*ARGMINE, "train", *corpora, *device, *self.args, "--quiet",
                 "--checkpoint-dir", f"{out}-ckpt", "--resume", "--output", str(out), "--force"])
        return out

    def train_stage1(self, kinds: list[str]) -> Path:
        out = self.work / "models" / ("stage1-" + "+".join(sorted(kinds)))
        if not (out / "config.json").is_file():
            run([*ARGMINE, "train", "--device", self.device, "--quiet",
                 *[a for k in sorted(kinds) for a in ("--corpus", spec(k, TRAIN_SPLIT))],
                 *weights(STAGE1_WEIGHTS, kinds), *STAGE1, *self.stage_args,
                 "--checkpoint-dir", f"{out}-ckpt", "--resume", "--output", str(out), "--force"])
        return out

    def mtc_options(self) -> list[str]:
        """``argmine bench mtc`` options: the recipe redone on each split's training folds."""
        if self.text == "baseline":
            return ["--model", "baseline"]
        saves = ["--save-models", str(self.work / "mtc-splits"), "--device", self.device]
        if self.text in TWO_STAGE:
            stage1 = self.train_stage1([k for k in CORPORA if k != "microtexts"])
            return ["--model", str(stage1), "--extra", "aae2@train", "--extra", "abstrct@train",
                    *weights(STAGE2_WEIGHTS, STAGE2_KINDS), *STAGE2, *self.stage_args, *saves]
        return ["--model", "none", *self.args, *saves]

    def full_model(self) -> Path:
        """The model of parts c and d: the shipped one, or trained on its five corpora."""
        return SHIPPED if self.text == "default" else self.train(list(CORPORA))


def cli_json(cmd: list[str], out: Path) -> dict:
    """Run an argmine command that writes a JSON report to ``out`` unless it is there."""
    if not out.is_file():
        out.parent.mkdir(parents=True, exist_ok=True)
        run(cmd, stdout=subprocess.DEVNULL)  # the report is in ``out``
    return None if DRY else json.loads(out.read_text(encoding="utf-8"))


def bench(suite: str, options: list[str], out: Path) -> dict:
    """Run an ``argmine bench`` suite into ``out`` (a folder) and return its one JSON."""
    done = sorted(out.glob(f"{suite}-*.json")) if out.is_dir() else []
    if not done:
        run([*ARGMINE, "bench", suite, "--out", str(out), "--force", *options])
        done = sorted(out.glob(f"{suite}-*.json"))
    return None if DRY else json.loads(done[0].read_text(encoding="utf-8"))


def present_macro(report: dict) -> float:
    """Macro-F1 over the labels that occur in gold (the labels that corpus has)."""
    f1 = [v["f1"] for v in report["per_label"].values() if v["support"] > 0]
    return sum(f1) / len(f1)


def scores(result: dict) -> dict:
    row = {"labels_f1": result["labels"]["macro_f1"],
           "decoded_f1": result["decoded_labels"]["macro_f1"]}
    row.update({k: result["structure"][k] for k in ("cc", "ro", "fu", "at")})
    return row


def trivial_rows() -> list[dict]:
    """The trivial structures on the 50 fixed splits, averaged like the model rows."""
    from argmine.corpora import corpus_path, read_corpus
    from argmine.evaluation import (
        baseline_first_claim_all_support,
        baseline_first_claim_chain,
        label_report,
        structure_scores,
    )

    docs = {d.id: d for d in read_corpus("microtexts")}
    folds: dict[int, list[str]] = {}
    tsv = corpus_path("microtexts") / "folds" / "folds_m112_10x5.tsv"
    for line in tsv.read_text(encoding="utf-8").splitlines()[1:]:
        if line.strip():
            split, _iteration, _fold, text_id = line.split("\t")
            folds.setdefault(int(split), []).append(text_id.strip())
    rows = []
    for name, make in (("trivial: first unit claim, chain (each unit attaches to the previous)",
                        baseline_first_claim_chain),
                       ("trivial: first unit claim, star (every unit supports the first)",
                        baseline_first_claim_all_support)):
        per_split = []
        for ids in folds.values():
            gold = [docs[i] for i in ids]
            pred = [make(d) for d in gold]
            s = structure_scores(gold, pred)
            s["f1"] = label_report([u.label for d in gold for u in d.units],
                                   [u.label for d in pred for u in d.units])["macro_f1"]
            per_split.append(s)
        mean = {k: sum(s[k] for s in per_split) / len(per_split) for k in per_split[0]}
        rows.append({"system": name, "splits": len(per_split), "decoded_f1": mean["f1"],
                     **{k: mean[k] for k in ("cc", "ro", "fu", "at")}})
    return rows


def part_a(recipe: Recipe) -> dict:
    report = bench("mtc", ["--iterations", "10", *recipe.mtc_options()], recipe.work / "a")
    if report is None:
        return None
    res = report["results"]
    rows = [{"system": recipe.name, "splits": len(res["splits"]), **scores(res)}]
    if recipe.text in TWO_STAGE:
        rows[0]["note"] = ("stage 2 redone per split from a stage 1 that never saw a "
                          "microtext; models/default itself was trained on all 112")
    return {"corpus": "microtexts", "split": report["split"], "protocol": report["protocol"],
            "rows": rows + trivial_rows(), "bench_command": report["command"],
            "per_split_labels_f1": [s["labels"]["macro_f1"] for s in res["splits"]]}


def part_b(recipe: Recipe, held_out: tuple[str, ...] = CORPORA) -> dict:
    rows = []
    for held in held_out:
        model = recipe.train([k for k in CORPORA if k != held])
        level = "unit" if held == "microtexts" else "sentence"
        # Once free, once told the labels the test corpus's scheme can hold (argmine
        # evaluate --labels), where that is fewer than five.
        for limit in (None, *([SCHEME_LABELS[held]] if held in SCHEME_LABELS else [])):
            name = f"{held}-scheme-labels" if limit else held
            out = recipe.work / "b" / f"{name}.json"
            reused = out.is_file()  # the report of an earlier run, at that run's commit
            res = cli_json([*ARGMINE, "evaluate", "--model", str(model), "--corpus",
                            spec(held, TEST_SPLIT), "--level", level, "--output", str(out),
                            *(["--single-root"] if held == "microtexts" else []),
                            *(["--labels", ",".join(limit)] if limit else [])], out)
            if res is None:
                continue
            labels = [k for k, v in res["labels"]["per_label"].items() if v["support"] > 0]
            rows.append({"system": recipe.name + (" (scheme's labels)" if limit else ""),
                         "test": spec(held, TEST_SPLIT), "level": level,
                         "labels": labels, "documents": res["documents"], "units": res["units"],
                         "f1": present_macro(res["labels"]),
                         "decoded_f1": present_macro(res["decoded_labels"]),
                         "accuracy": res["labels"]["accuracy"],
                         **{k: res["structure"][k] for k in ("cc", "ro", "fu", "at")},
                         **({"reused_report": str(out.relative_to(ROOT))} if reused else {})})
    return {"corpus": "five shared corpora, leave one out", "split": "train on the train "
            "splits of four (all of web-discourse and microtexts), test on the fifth's test "
            "split or all of it", "protocol": "macro-F1 over the labels present in the "
            "test corpus's gold; microtexts at gold units with one tree per text, the "
            "others at sentence level; rows marked (scheme's labels): evaluate --labels with "
            "the labels the test corpus's scheme can hold", "held_out": list(held_out),
            "rows": rows}


def part_c(recipe: Recipe) -> dict:
    model = recipe.full_model()
    report = bench("aae2", ["--model", str(model)], recipe.work / "c")
    if report is None:
        return None
    row = {"system": recipe.name, "model": str(model.relative_to(ROOT))}
    for r in report["rows"]:
        key = {"5-label units (classifier)": "sentences_f1",
               "5-label units + structure (decoded trees)": "sentences_decoded_f1",
               "component types MajorClaim/Claim/Premise (classifier)": "components_f1",
               "component types MajorClaim/Claim/Premise (decoded trees)":
               "components_decoded_f1"}.get(r["task"])
        if key:
            row[key] = r["metrics"]["macro_f1"]
    row.update({k: report["results"]["sentences"]["structure"][k] for k in ("cc", "at")})
    return {"corpus": "aae2", "split": report["split"], "protocol": report["protocol"],
            "rows": [row], "bench_command": report["command"]}


def named_links(gold: dict) -> list[tuple[int, int, str]]:
    """The main argument's five links, named as ``benchmarks/experiments/link_diagnostics.py``
    names them.
    """
    units = gold["units"]
    claim = next(u["index"] for u in units if u["parent"] is None and "Track II" in u["text"])
    links = [(u["index"], claim, u["relation"]) for u in units
             if u["parent"] == claim and u["text"].split(",")[0] in ("First", "Second", "Third")]
    objection = next(u["index"] for u in units if u["parent"] == claim
                     and u["relation"] == "attack" and u["text"].endswith("?"))
    links.append((objection, claim, "attack"))
    return links + [(u["index"], objection, "attack") for u in units if u["parent"] == objection]


def part_d(recipe: Recipe) -> dict:
    model = recipe.full_model()
    work = recipe.work / "d"
    res = cli_json([*ARGMINE, "evaluate", "--model", str(model), "--corpus",
                    f"jsonl:{SEED.relative_to(ROOT)}", "--output", str(work / "evaluate.json")],
                   work / "evaluate.json")
    if res is None:
        return None
    tree_file = work / "tree.json"
    if not tree_file.is_file():
        text = run([*ARGMINE, "tree", "--format", "json", "--model", str(model),
                    str(SEED.with_name("track-ii-talks.txt").relative_to(ROOT))],
                   capture_output=True, text=True).stdout
        tree_file.write_text(text, encoding="utf-8")
    tree = json.loads(tree_file.read_text(encoding="utf-8"))
    gold = json.loads(SEED.read_text(encoding="utf-8"))
    by_text = {u["text"]: u for u in tree["units"]}
    links = []
    for child, parent, kind in named_links(gold):
        unit = by_text.get(gold["units"][child]["text"])
        got = (unit["parent"], unit["relation"]) if unit else None
        links.append({"child": child, "parent": parent, "relation": kind,
                      "decoded": got, "holds": got == (parent, kind)})
    row = {"system": recipe.name, "model": str(model.relative_to(ROOT)),
           "labels_f1": res["labels"]["macro_f1"], "accuracy": res["labels"]["accuracy"],
           "decoded_accuracy": res["decoded_labels"]["accuracy"],
           **{k: res["structure"][k] for k in ("cc", "ro", "fu", "at", "laa")},
           "named_links_held": sum(link["holds"] for link in links),
           "named_links": len(links)}
    return {"corpus": "seed article", "split": "38 sentences, our gold",
            "protocol": "gold units (argmine.units.segment sentences); named links from "
            "`argmine tree --format json` (default decoder)", "rows": [row], "links": links}


PARTS = {"a": part_a, "b": part_b, "c": part_c, "d": part_d}


def merge_part_b(result: dict, path: Path, recipe: Recipe) -> None:
    """Keep the rows an earlier run of the same recipe made for other held-out corpora.

    Every row names the commit and date it was measured at, so a kept row keeps its own.
    """
    for row in result["rows"]:
        row.setdefault("commit", result["commit"])
        row.setdefault("date", result["date"])
    if not path.is_file():
        return
    earlier = json.loads(path.read_text(encoding="utf-8"))
    if earlier.get("recipe_text") != recipe.text:
        log(f"{path.name} holds recipe {earlier.get('recipe_text')!r}, not {recipe.text!r}: "
            "its rows are replaced")
        return
    done = {row["test"] for row in result["rows"]}
    kept = [{"commit": earlier["commit"], "date": earlier["date"], **row}
            for row in earlier["rows"] if row["test"] not in done]
    result["rows"] = kept + result["rows"]
    result["held_out"] = [k for k in CORPORA
                          if k in set(earlier.get("held_out", CORPORA)) | set(result["held_out"])]


def machine() -> dict:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "platform": platform.platform(),
            "python": platform.python_version()}


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()


COLUMNS = {
    "a": ("system", "splits", "labels_f1", "decoded_f1", "cc", "ro", "fu", "at"),
    "b": ("test", "system", "labels", "f1", "decoded_f1", "accuracy", "cc", "at"),
    "c": ("system", "model", "sentences_f1", "sentences_decoded_f1", "components_f1",
          "components_decoded_f1", "cc", "at"),
    "d": ("system", "model", "labels_f1", "accuracy", "decoded_accuracy", "cc", "ro", "fu",
          "at", "laa", "named_links_held"),
}


def cell(value) -> str:
    if isinstance(value, tuple):
        return f"{value[0]} of {value[1]}"
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, list):
        return " ".join(value)
    return "–" if value is None else str(value)


def table() -> str:
    out = []
    for part, columns in COLUMNS.items():
        files = sorted(RESULTS.glob(f"yardstick-*-{part}.json"))
        if not files:
            continue
        rows, seen, sources = [], set(), []
        for f in files:
            data = json.loads(f.read_text(encoding="utf-8"))
            sources.append(f"`{f.name}` ({data['commit'][:7]}, {data['date'][:10]})")
            for row in data["rows"]:
                key = (row["system"], row.get("test"))
                if key not in seen:
                    seen.add(key)
                    rows.append(row)
        if part == "b":
            rows.sort(key=lambda r: (CORPORA.index(r["test"].split("@")[0]), r["system"]))
        out += [f"### Part {part}: {data['corpus']}", "", f"{data['protocol']}. "
                f"From {', '.join(sources)}.", "",
                "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        for r in rows:
            if "named_links" in r:
                r["named_links_held"] = (r["named_links_held"], r["named_links"])
            out.append("| " + " | ".join(cell(r.get(c)) for c in columns) + " |")
        out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipe", default="baseline",
                        help="baseline, default, context, mask, or argmine-train options of a "
                        "one-stage recipe in one quoted string")
    parser.add_argument("--name", help="result name of a custom recipe (default 'custom')")
    parser.add_argument("--part", default="a,b,c,d", help="comma-separated: a,b,c,d")
    parser.add_argument("--held-out", default=",".join(CORPORA),
                        help="part b: the corpora to hold out, comma-separated (default all "
                        "five; rows of an earlier run are kept in the table)")
    parser.add_argument("--work", default="runs/yardstick", help="models and raw reports")
    parser.add_argument("--device", default="cpu", help="torch device for neural training")
    parser.add_argument("--dry-run", action="store_true", help="print the commands only")
    parser.add_argument("--table", action="store_true",
                        help="print the markdown tables from the saved yardstick JSON")
    args = parser.parse_args(argv)
    if args.table:
        print(table())
        return 0
    global DRY
    DRY = args.dry_run
    recipe = Recipe(args.recipe, args.name, ROOT / args.work, args.device)
    held = tuple(k.strip() for k in args.held_out.split(","))
    if not held or not set(held) <= set(CORPORA) or len(set(held)) < len(held):
        parser.error(f"--held-out: distinct corpora of {', '.join(CORPORA)}, got "
                     f"{args.held_out!r}")
    for part in args.part.split(","):
        started = datetime.datetime.now(datetime.timezone.utc)
        result = part_b(recipe, held) if part.strip() == "b" else PARTS[part.strip()](recipe)
        if result is None or DRY:
            continue
        result = {"yardstick_format": 1, "recipe": recipe.name, "recipe_text": recipe.text,
                  "part": part, **result, "machine": machine(), "commit": git("rev-parse", "HEAD"),
                  "dirty": bool(git("status", "--porcelain")),
                  "date": started.isoformat(timespec="seconds"),
                  "command": " ".join(shlex.quote(a) for a in
                                      ["python", "benchmarks/yardstick.py", *sys.argv[1:]])}
        path = RESULTS / f"yardstick-{recipe.name}-{part}.json"
        if part.strip() == "b":
            merge_part_b(result, path, recipe)
        path.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
        log(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
