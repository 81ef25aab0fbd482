"""Exceptions and the catalogue of coded messages.

Every message says what went wrong, where (file, line or element), what was expected and
what to do. Tests assert the class and the code, never the wording.
"""

from __future__ import annotations

from pathlib import Path

MESSAGES: dict[str, str] = {
    # Input (E0xx)
    "E001": "Unknown label {value!r}. Expected one of: {options}.",
    "E002": "The input is empty: there is no text to process.",
    "E003": "The input is not valid UTF-8 text ({detail}). Re-encode it as UTF-8.",
    "E004": "The input looks binary (it contains NUL bytes), not text.",
    "E005": "The input has {size} characters, more than the limit of {limit}. "
    "Split it or raise the limit (max_chars / --max-chars).",
    "E006": "Expected a string of text or a list of unit strings, got {type_name}.",
    "E007": "The 'units' list is empty or holds something that is not a non-empty string "
    "(item {index}: {value!r}).",
    "E008": "Unknown {what} {value!r}. Expected one of: {options}.",
    "E009": "The file could not be read: {detail}.",
    "E010": "This line is not valid JSON or lacks 'text'/'units': {detail}.",
    "E012": "Input document {position} has the id {id!r}, which an earlier document of this "
    "job already has; it was skipped. Ids must be unique: check --id-field / --id-column.",
    "E011": "The data does not describe a valid {what}: {detail}.",
    "E013": "This is {kind}, not a regular file, so it was skipped without being opened "
    "(reading it could wait forever). Name regular files only.",
    "E014": "The input is {encoding} text, not UTF-8. Re-encode it as UTF-8 "
    "(iconv -f {encoding} -t UTF-8 in > out).",
    "E015": "This CSV row is malformed: {detail}. Quote every field that holds the "
    "delimiter, a quote or a line break (doubling the quotes inside it), and close every quote.",
    # Corpora (E1xx)
    "E101": "Malformed XML: {detail}.",
    "E102": "This brat line does not parse: {detail}. Expected "
    "'T<n>\\t<Type> <start> <end>\\t<text>' or 'R<n>\\t<type> Arg1:T<a> Arg2:T<b>'.",
    "E103": "Offsets {start}-{end} lie outside the text (length {length}).",
    "E104": "The relation points to {ref!r}, which is not defined in this file.",
    "E105": "The annotation text {found!r} does not match the document text {expected!r} "
    "at this span.",
    "E106": "The corpus folder does not exist or holds no {what} files. Pass the folder that "
    "contains them, or set ARGMINE_CORPORA.",
    "E107": "Malformed annotation: {detail}.",
    "E108": "Unknown corpus kind {kind!r}. Expected one of: {options}.",
    "E109": "The annotation is not a valid argument structure: {detail}.",
    "E110": "'text_file' {text_file!r} points outside the corpus folder {folder}, so it is "
    "not read. Keep text files inside that folder, or trust this corpus with "
    "read_jsonl(..., allow_outside=True).",
    "E111": "Proposition {index} has the unknown type {value!r}. Expected one of: {options}.",
    # Corrected annotation that breaks the scheme (argmine.corpora.corrections)
    "E120": "In document {doc!r}, unit {unit} overlaps unit {other}. Units may not overlap: "
    "correct their offsets, or merge them into one unit.",
    "E121": "In document {doc!r}, the link from unit {unit} points at {ref!r}, which is not a "
    "unit of this document. Point it at an existing unit, or remove it.",
    "E122": "In document {doc!r}, unit {unit} is linked to two units, {first} and {second}. "
    "A unit supports or attacks exactly one unit: remove one of the links.",
    "E123": "In document {doc!r}, the links form a cycle: {cycle}. An argument is a tree: "
    "remove one of these links.",
    "E124": "In document {doc!r}, unit {unit} is labelled rebuttal but attacks nothing. A "
    "rebuttal attacks a counterargument: add that attack, or change the label.",
    "E125": "In document {doc!r}, unit {unit} is labelled {label!r}, but its links make it "
    "{expected} ({reason}). Labels follow the links (a root is a claim, a proponent unit that "
    "supports is a premise, an opponent unit is a counterargument, a proponent unit that "
    "attacks is a rebuttal, a unit in no link is none or a claim): change the label or the links.",
    # Models (E2xx)
    "E201": "This model folder lacks {filename}. A model folder holds config.json and "
    "model.safetensors, as written by save_pretrained().",
    "E202": "The model was written by format version {found}, newer than this argmine "
    "supports ({supported}). Upgrade argmine.",
    "E203": "The model config is invalid: {detail}.",
    "E204": "No model named {name!r} was found as a local folder, a packaged model, or in the "
    "Hugging Face cache (nothing is downloaded unless allow_download=True).",
    "E205": "This {estimator} instance is not fitted yet. Call 'fit' with training data "
    "before using it, or load a trained one with from_pretrained().",
    "E206": "The encoder {name!r} could not be loaded: {detail}.",
    "E207": "This model is int8-quantized for CPU inference only, so {action} is not "
    "possible. Use the fp32 model it was made from (load it without quantize=True); "
    "argmine.load(path, quantize=True) quantizes a saved model again on load.",
    "E208": "The encoder {name!r} asks to run Python code shipped with it ({detail}). argmine "
    "never runs code from a model or encoder folder. Use an encoder whose config files have "
    "no 'auto_map' and whose model_type is one transformers ships (e.g. 'bert').",
    "E209": "The encoder {name!r} has model_type {found!r}, which this transformers does not "
    "know (expected a built-in type such as 'bert'); argmine does not run custom model "
    "code. Use a standard encoder, or upgrade transformers if the type is new.",
    "E210": "The encoder {name!r} stores its weights only as pickle files ({files}). argmine "
    "loads weights only from safetensors, because unpickling can run code. Convert the "
    "weights to model.safetensors (e.g. save_pretrained() with a recent transformers).",
    "E211": "The stored tensor {name!r} has shape {found}, but the network that config.json "
    "describes needs {expected}. The weights were changed or belong to another model; "
    "re-save the model with save_pretrained().",
    "E212": "The setting {field!r} in config.json is {value!r}; expected {expected}. Fix it or "
    "re-save the model with save_pretrained().",
    "E213": "The stored tensor {name!r} holds {count} NaN or infinite values; a model's "
    "weights must be finite. The file is corrupt or training diverged: retrain or re-save it.",
    "E214": "The stored tensor {name!r} has dtype {found}; expected {expected}. Re-save the "
    "model with save_pretrained().",
    "E215": "The 'labels' list in config.json is {found!r}; expected exactly {expected!r}, in "
    "this order (the order of the model's output head). Re-save the model with "
    "save_pretrained(), which writes it.",
    "E216": "'format_version' in config.json is {found!r}; it must be a positive integer "
    "(this argmine writes {supported}). Re-save the model with save_pretrained().",
    # Parameters (E3xx)
    "E301": "The {param!r} parameter of {owner} must be {expected}. Got {value!r} instead.",
    # Batch (E4xx)
    "E401": "Another argmine job is writing {output} (it holds {lock}{holder}). Two jobs on "
    "one output would write documents twice: wait for that job to end, or write elsewhere.",
    "E402": "The disk is full or over quota while writing {file} ({detail}). Everything "
    "committed before stays valid: free space and rerun with --resume (resume=True).",
    "E403": "Writing {file} failed ({detail}). Everything committed before stays valid: fix "
    "the cause and rerun with --resume (resume=True).",
    "E404": "The output held {count} documents written more than once, e.g. by two jobs at "
    "once (ids: {ids}). Resume kept the first copy of each and removed the others.",
}


class ArgmineError(Exception):
    """Base class of every error argmine raises on purpose.

    Attributes:
        code: Stable message code, e.g. ``"E102"``.
        path: The file concerned, if any.
        line: The 1-based line (or element id) in that file, if known.
    """

    def __init__(
        self,
        code: str,
        *,
        path: str | Path | None = None,
        line: int | str | None = None,
        **details: object,
    ) -> None:
        self.code = code
        self.path = None if path is None else str(path)
        self.line = line
        self.details = details
        template = MESSAGES.get(code, "{detail}")
        try:
            message = template.format(**details)
        except (KeyError, IndexError):
            message = f"{template} {details}"
        where = ""
        if self.path is not None:
            where = self.path + (f":{line}" if line is not None else "") + ": "
        elif line is not None:
            where = f"line {line}: "
        self.message = message
        super().__init__(f"[{code}] {where}{message}")

    def __reduce__(self):  # keep errors picklable across worker processes
        return (_rebuild, (type(self), self.code, self.path, self.line, self.details))


def _rebuild(cls, code, path, line, details):
    return cls(code, path=path, line=line, **details)


class InputError(ArgmineError, ValueError):
    """Input text or arguments that argmine cannot process."""


class CorpusFormatError(ArgmineError, ValueError):
    """A corpus file that does not follow its format."""


class ModelFormatError(ArgmineError, OSError):
    """A model folder that is missing files, invalid or too new."""


class OutputError(ArgmineError, OSError):
    """A batch output that cannot be written: locked by another job, disk full, I/O error.

    ``errno`` is the operating system's error number when one caused it (e.g.
    ``errno.ENOSPC``), else ``None``.
    """


class NotFittedError(ArgmineError, ValueError, AttributeError):
    """A trainable stage used before ``fit``."""


class InferenceOnlyError(ArgmineError, TypeError):
    """An operation that a model built for inference only (e.g. int8-quantized) cannot do."""
