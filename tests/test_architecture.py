"""The package's layout is its data flow: one-way imports, no cycles, small files and functions.

Every module of argmine/ is parsed (imports inside functions included) and mapped to a layer;
a module may import its own layer or a layer the table below lets it use, never one above.
Arrows run one way: cli -> batch -> pipeline -> {text, scoring, decoding} -> vocabulary, with
training and evaluation beside the pipeline and corpora/export on vocabulary and text only.
Imports sit at the top of a module: outside the CLI, a function may import only an argmine
module that pulls in a heavy dependency (torch, transformers, ...).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "argmine"

# Layer -> the layers it may import (its own is always allowed).
VOCABULARY = {"vocabulary"}
TEXT = VOCABULARY | {"text"}
DECODING = TEXT | {"decoding"}
SCORING = DECODING | {"scoring"}
PIPELINE = SCORING | {"pipeline"}
BESIDE_PIPELINE = PIPELINE | {"corpora"}
ALLOWED: dict[str, set[str]] = {
    "vocabulary": set(),
    "text": VOCABULARY,
    "corpora": TEXT,
    "export": TEXT,
    "decoding": TEXT,
    "scoring": DECODING,
    "pipeline": SCORING,
    "training": BESIDE_PIPELINE,
    "evaluation": BESIDE_PIPELINE,
    "batch": PIPELINE | {"export"},
    "bench": BESIDE_PIPELINE | {"export", "batch", "training", "evaluation"},
    "cli": BESIDE_PIPELINE | {"export", "batch", "training", "evaluation", "bench", "face"},
    "face": {"vocabulary", "pipeline"},
    "shim": {"vocabulary", "text", "decoding", "scoring", "pipeline", "batch"},
}
# Old import paths kept for users: each only re-exports from where the code moved.
SHIMS = {"argmine.model", "argmine.baseline", "argmine.trees", "argmine.units",
         "argmine.training.config", "argmine.training.augment", "argmine.training.trainer"}
VOCABULARY_MODULES = {"argmine._version", "argmine.errors", "argmine.schema", "argmine.document"}
MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 100


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer(module: str) -> str:
    """The layer of an argmine module."""
    if module in SHIMS:
        return "shim"
    if module in ("argmine", "argmine.__main__"):
        return "face" if module == "argmine" else "cli"
    if module in VOCABULARY_MODULES:
        return "vocabulary"
    if module == "argmine.pipeline":
        return "pipeline"
    top = module.split(".")[1]
    if top in ALLOWED:
        return top
    if top == "_models":
        return "scoring"
    raise AssertionError(f"{module}: no layer; add it to tests/test_architecture.py")


def _resolve(name: str) -> str | None:
    """The argmine module an imported dotted name refers to (a module, or a name in one)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str) -> list[tuple[str, str | None, int]]:
    """``(target module, imported name or None, line)`` for every argmine import of a module."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "argmine":
                    found.append((_resolve(alias.name), None, node.lineno))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if base.split(".")[0] != "argmine":
                continue
            for alias in node.names:
                full = f"{base}.{alias.name}"
                if full in MODULES:  # a submodule: `from argmine.scoring import persistence`
                    found.append((full, None, node.lineno))
                else:
                    found.append((_resolve(base), alias.name, node.lineno))
    return [f for f in found if f[0] is not None]


GRAPH = {m: _imports(m) for m in MODULES}


def _is_reexport_only(module: str) -> bool:
    """A shim: a docstring, imports, and ``__all__``; nothing else."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    for i, node in enumerate(tree.body):
        if i == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == [
                "__all__"]:
            continue
        return False
    return True


def test_every_module_has_a_layer():
    for module in MODULES:
        layer(module)


@pytest.mark.parametrize("shim", sorted(SHIMS))
def test_shims_only_reexport(shim):
    assert shim in MODULES, f"{shim} is gone: old import paths must keep working"
    assert _is_reexport_only(shim), f"{shim} must only re-export (docstring, imports, __all__)"


def test_no_upward_imports():
    wrong = []
    for module, imports in GRAPH.items():
        if module in SHIMS:
            continue
        own = layer(module)
        for target, _name, line in imports:
            if target in SHIMS:
                wrong.append(f"{module}:{line} imports the shim {target}: import where it moved")
                continue
            theirs = layer(target)
            if theirs != own and theirs not in ALLOWED[own]:
                wrong.append(f"{module}:{line} ({own}) imports {target} ({theirs})")
    assert not wrong, "\n".join(wrong)


def test_no_import_cycles():
    edges = {m: {t for t, _, _ in imports if t != m} for m, imports in GRAPH.items()}
    # A package's __init__ importing its own submodules is how a package exposes them; the
    # reverse (a submodule importing its package's face) is what makes a cycle.
    cycles, state, stack = [], dict.fromkeys(edges, 0), []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state[nxt] == 1:
                cycles.append(" -> ".join([*stack[stack.index(nxt):], nxt]))
            elif state[nxt] == 0:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if state[node] == 0:
            visit(node)
    assert not cycles, "\n".join(cycles)


def test_no_cli_command_imports_another():
    shared = {"argmine.cli._io", "argmine.cli._common"}
    wrong = [f"{module}:{line} imports {target}"
             for module, imports in GRAPH.items() if module.startswith("argmine.cli.")
             for target, _name, line in imports
             if target.startswith("argmine.cli.") and target not in shared and target != module]
    assert not wrong, "\n".join(wrong)


def test_no_private_names_imported_from_other_modules():
    wrong = [f"{module}:{line} imports {name} from {target}"
             for module, imports in GRAPH.items()
             for target, name, line in imports
             if name is not None and name.startswith("_") and not name.startswith("__")
             and target != module]
    assert not wrong, "\n".join(wrong)


def test_no_module_over_the_line_limit():
    long = {m: n for m, p in MODULES.items()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_FILE_LINES}
    assert not long, long


def test_no_function_over_the_line_limit():
    long = []
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                size = node.end_lineno - node.lineno + 1
                if size > MAX_FUNCTION_LINES:
                    long.append(f"{module}.{node.name}: {size} lines")
    assert not long, "\n".join(long)


def test_argmine_imports_nothing_heavy():
    code = ("import sys, argmine; heavy = [m for m in ('torch', 'transformers', 'ray', "
            "'onnxruntime', 'matplotlib', 'pyarrow', 'datasets') if m in sys.modules]; "
            "assert not heavy, heavy")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PACKAGE.parent)


# Third-party packages slow or optional enough that a module may import them (or an argmine
# module that pulls them in) inside the function that needs them.
HEAVY = ("torch", "transformers", "ray", "onnxruntime", "onnx", "matplotlib", "pyarrow",
         "datasets")
# Packages whose own import pulls a heavy one in: scikit-learn imports pandas, which imports
# pyarrow where it is installed.
PULLS_HEAVY = ("sklearn",)
# Function-level argmine imports of light modules that remain: (importer, imported).
# TODO(issue 17): move these imports to the top of their modules, then empty this set.
DEFERRED_LIGHT_IMPORTS: set[tuple[str, str]] = {
    ("argmine.batch.sources", "argmine.text.segmentation"),
    ("argmine.batch.sources", "argmine.text.validation"),
    ("argmine.training.data", "argmine.corpora"),
    ("argmine.training.data", "argmine.corpora.views"),
}


def _statements(body: list[ast.stmt], in_function: bool = False):
    """``(statement, in_function)`` for every statement, not counting ``TYPE_CHECKING`` ones."""
    for node in body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from _statements(node.orelse, in_function)
            continue
        yield node, in_function
        inner = in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                 ast.Lambda))
        for field in ("body", "orelse", "finalbody", "handlers"):
            sub = getattr(node, field, None)
            if isinstance(sub, list):
                yield from _statements(sub, inner)


def _import_lines(module: str) -> tuple[set[int], bool]:
    """Lines of a module's function-level imports, and whether it imports a heavy package
    at module level."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    deferred, heavy = set(), False
    for node, in_function in _statements(tree.body):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names = [node.module or ""]
        elif isinstance(node, ast.ImportFrom):
            names = []
        else:
            continue
        if in_function:
            deferred.add(node.lineno)
        elif any(name.split(".")[0] in HEAVY + PULLS_HEAVY for name in names):
            heavy = True
    return deferred, heavy


IMPORT_LINES = {m: _import_lines(m) for m in MODULES}


def _loaded_with(module: str) -> set[str]:
    """The argmine modules importing ``module`` runs: its packages and, transitively, the
    module-level imports of each."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        current = todo.pop()
        parts = current.split(".")
        for i in range(1, len(parts) + 1):  # importing a.b.c runs a and a.b first
            name = ".".join(parts[:i])
            if name in MODULES and name not in seen:
                seen.add(name)
                deferred = IMPORT_LINES[name][0]
                todo += [t for t, _, line in GRAPH[name] if line not in deferred]
    return seen


def pulls_heavy(module: str) -> bool:
    """Whether importing an argmine module imports a heavy package (at module level)."""
    return any(IMPORT_LINES[m][1] for m in _loaded_with(module))


def test_function_level_imports_only_defer_heavy_modules():
    # Imports belong at the top of a module. A function may import an argmine module only
    # when that module pulls in a heavy package (so `import argmine` and light commands
    # stay fast), with a comment saying so. The CLI defers any import: its modules import
    # lazily so that `argmine --help` and its input checks start at once.
    wrong, used = set(), set()
    for module, imports in GRAPH.items():
        if layer(module) == "cli":
            continue
        deferred = IMPORT_LINES[module][0]
        for target, _name, line in imports:
            if line not in deferred or target == module or pulls_heavy(target):
                continue
            if (module, target) in DEFERRED_LIGHT_IMPORTS:
                used.add((module, target))
                continue
            wrong.add(f"{module}:{line} imports {target} inside a function, but {target} "
                      f"pulls in none of {', '.join(HEAVY + PULLS_HEAVY)}: import it at "
                      "the top")
    assert not wrong, "\n".join(sorted(wrong))
    stale = DEFERRED_LIGHT_IMPORTS - used
    assert not stale, f"moved to the top already: drop them from DEFERRED_LIGHT_IMPORTS {stale}"
