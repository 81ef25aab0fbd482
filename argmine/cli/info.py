"""``argmine info``: versions, the model in use and where corpora are looked for."""

from __future__ import annotations

import json
from pathlib import Path


def register(sub) -> None:
    """Add the sub-command."""
    parser = sub.add_parser("info", help="show versions, the model and the corpora location",
                            description="Show argmine's version, a model's settings and "
                            "training history, and where corpora are looked for: the folder "
                            "($ARGMINE_CORPORA, else ../shared/corpora from here) as an "
                            "absolute path, whether it exists, and the corpus folders found "
                            "in it (kind: folder).")
    parser.add_argument("--model", default=None, help="model folder (default: shipped model)")
    parser.set_defaults(handler=run)


def info(model: str | None = None) -> dict:
    """Collect what ``argmine info`` prints."""
    import torch

    from argmine._version import __version__
    from argmine.corpora import corpora_dir
    from argmine.pipeline import default_model_path
    from argmine.scoring import persistence

    path = default_model_path() if model in (None, "default") else model
    config = persistence.read_config(path)
    return {
        "argmine": __version__,
        "torch": torch.__version__,
        "model": str(path),
        "model_type": config.get("model_type"),
        "encoder": config.get("encoder"),
        "labels": config.get("labels"),
        "written_by": config.get("argmine_version"),
        **_corpora(corpora_dir()),
    }


def _corpora(folder) -> dict:
    """Where corpora are looked for (absolute), whether it exists, and the corpora in it."""
    from argmine.corpora import CORPUS_KINDS, corpus_path

    path = Path(folder).expanduser().resolve()
    # jsonl and brat corpora are files or folders of the user's, not under the corpora root.
    found = {kind: corpus_path(kind, path).name for kind in CORPUS_KINDS
             if kind not in ("jsonl", "brat")}
    return {"corpora": str(path), "corpora_exists": path.is_dir(),
            "corpora_found": {kind: name for kind, name in found.items()
                              if (path / name).is_dir()}}


def run(args) -> int:
    """Run the sub-command."""
    print(json.dumps(info(args.model), indent=1))
    return 0
