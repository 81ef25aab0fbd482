"""Shared fixtures. Expensive objects are built once per session; tests get them read-only."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED = REPO_ROOT / "seeds" / "track-ii-talks.txt"


def _corpora_root() -> Path:
    env = os.environ.get("ARGMINE_CORPORA")
    return Path(env) if env else REPO_ROOT.parent / "shared" / "corpora"


@pytest.fixture(scope="session")
def corpora_root() -> Path:
    """The folder with the shared corpora; skips when absent, except under CI=true."""
    root = _corpora_root()
    if not root.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but the corpora are missing at {root} (set ARGMINE_CORPORA)")
        pytest.skip(f"corpora not found at {root}; set ARGMINE_CORPORA to run this test")
    return root


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """The folder of tiny hand-written fixtures in each raw format."""
    return FIXTURES


@pytest.fixture(scope="session")
def seed_text() -> str:
    """The seed op-ed shipped in seeds/."""
    return SEED.read_text(encoding="utf-8")
