"""Hardening of input reading (issue 16): unreadable names, FIFOs, link loops, encodings,
malformed CSV rows, ``text_file`` outside a JSONL corpus, unknown CDCP proposition types.

Each test fails on the code before the fix: by a traceback, a hang (caught by a timeout), or
a document that was read although it should not have been.
"""

from __future__ import annotations

import errno
import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from argmine.batch.sources import count_documents, iter_sources
from argmine.corpora import read_corpus
from argmine.corpora.cdcp import read_cdcp
from argmine.corpora.jsonl import read_jsonl
from argmine.errors import MESSAGES, CorpusFormatError
from argmine.text import validation as units
from argmine.text.validation import check_text

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")


def _codes(items) -> list[tuple[str, str | None]]:
    return [(i, getattr(c, "code", None)) for i, c in items]


def _within(seconds: float, work, unblock=()):
    """Run ``work()`` in a thread; fail (after unblocking it) if it has not ended in time.

    Before the fix, opening a FIFO waited for a writer for ever; opening each FIFO of
    ``unblock`` for writing ends that wait, so a failing test does not hang the suite.
    """
    result: dict = {}

    def target():
        try:
            result["value"] = work()
        except BaseException as exc:  # reported below, in the test's thread
            result["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        for fifo in unblock:
            try:
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:
                pass
        thread.join(5)
        pytest.fail(f"still running after {seconds} s: it waited on a FIFO")
    if "error" in result:
        raise result["error"]
    return result["value"]


# --- point 4: a name that cannot be examined is one error record -------------------------


def test_name_too_long_is_one_error_record_and_the_batch_goes_on(tmp_path: Path):
    good = tmp_path / "good.txt"
    good.write_text("Cars pollute.")
    long_name = str(tmp_path / ("x" * 300))  # ENAMETOOLONG from stat: not a missing file
    items = list(iter_sources([long_name, good]))
    assert _codes(items) == [(Path(long_name).as_posix(), "E009"), (good.as_posix(), None)]
    assert "too long" in str(items[0][1]).lower()
    assert items[1][1] == "Cars pollute."
    assert count_documents([long_name, good]) == 2  # the estimate does not raise either


def test_permission_denied_on_a_named_path_is_one_error_record(tmp_path: Path, monkeypatch):
    # Tests run as root, for whom chmod 000 changes nothing: stat is made to refuse instead.
    locked = tmp_path / "locked"
    locked.mkdir()
    good = tmp_path / "good.txt"
    good.write_text("Cars pollute.")
    real_stat = os.stat

    def stat(path, *args, **kwargs):
        if str(path).startswith(str(locked)):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stat)
    items = list(iter_sources([locked, locked / "a.txt", good]))
    assert [c for _, c in _codes(items)] == ["E009", "E009", None]
    assert "Permission denied" in str(items[0][1])
    assert count_documents([locked, good]) == 2


# --- point 5: FIFOs, sockets and link loops are never opened or followed ------------------


@needs_fifo
def test_fifo_in_a_folder_is_skipped_with_a_code_not_opened(tmp_path: Path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("One. Two.")
    os.mkfifo(folder / "b.txt")
    (folder / "c.txt").write_text("Three.")
    items = _within(10, lambda: list(iter_sources([folder])), unblock=[folder / "b.txt"])
    assert _codes(items) == [("a.txt", None), ("b.txt", "E013"), ("c.txt", None)]
    assert "FIFO" in str(items[1][1])


@needs_fifo
def test_fifo_named_directly_or_matched_by_a_glob_is_not_opened(tmp_path: Path):
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    items = _within(10, lambda: list(iter_sources([fifo, str(tmp_path / "*.jsonl")])),
                    unblock=[fifo])
    assert [c for _, c in _codes(items)] == ["E013", "E013"]
    # Counting lines for the progress bar must not open it either.
    assert _within(10, lambda: count_documents([tmp_path], pattern="*.jsonl"),
                   unblock=[fifo]) == 1


def test_socket_in_a_folder_is_skipped_with_a_code(tmp_path: Path):
    if not hasattr(socket, "AF_UNIX") or len(str(tmp_path)) > 90:
        pytest.skip("no short AF_UNIX path here")
    (tmp_path / "a.txt").write_text("One.")
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(tmp_path / "s.txt"))
        items = _within(10, lambda: list(iter_sources([tmp_path])))
    assert _codes(items) == [("a.txt", None), ("s.txt", "E013")]
    assert "socket" in str(items[1][1])


def test_glob_double_star_does_not_follow_link_loops(tmp_path: Path):
    # Two links back to the folder made glob.glob(recursive=True) branch without end; run in
    # a child process so that the old code is killed rather than left spinning.
    root = tmp_path / "d"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text("One.")
    (root / "sub" / "b.txt").write_text("Two.")
    os.symlink(".", root / "l1")
    os.symlink("..", root / "sub" / "up")
    code = ("import json, sys\nfrom argmine.batch.sources import iter_sources, count_documents\n"
            "ids = [i for i, _ in iter_sources(['d/**/*.txt'])]\n"
            "print(json.dumps([ids, count_documents(['d/**/*.txt'])]))")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=30, env={**os.environ, "PYTHONPATH": os.pathsep
                          .join([str(Path.cwd()), os.environ.get("PYTHONPATH", "")])})
    assert done.returncode == 0, done.stderr
    ids, total = json.loads(done.stdout)
    assert ids == ["d/a.txt", "d/sub/b.txt"]  # each file once: no d/l1/a.txt, d/l1/l1/...
    assert total == 2


def test_link_loop_and_link_to_a_folder_in_a_folder_are_error_records(tmp_path: Path):
    (tmp_path / "a.txt").write_text("One.")
    os.symlink("loop.txt", tmp_path / "loop.txt")  # ELOOP
    os.symlink(".", tmp_path / "self.txt")  # a folder behind a name that matches
    items = _within(10, lambda: list(iter_sources([tmp_path])))
    assert _codes(items) == [("a.txt", None), ("loop.txt", "E009"), ("self.txt", "E009")]
    # Named directly, a link loop is one record too.
    assert _codes(iter_sources([tmp_path / "loop.txt"])) == [
        ((tmp_path / "loop.txt").as_posix(), "E009")]


def test_deep_folder_tree_does_not_exhaust_recursion(tmp_path: Path):
    deep = str(tmp_path)
    for _ in range(1100):  # deeper than Python's recursion limit; within PATH_MAX
        deep += "/d"
        os.mkdir(deep)  # one by one: makedirs recurses too
    Path(deep, "a.txt").write_text("Deep.")
    try:
        [(doc_id, text)] = list(iter_sources([tmp_path]))
        assert doc_id == "d/" * 1100 + "a.txt" and text == "Deep."
        assert count_documents([tmp_path]) == 1
        assert [i for i, _ in iter_sources([f"{tmp_path}/**/*.txt"])] == [
            Path(deep, "a.txt").as_posix()]
    finally:
        # shutil.rmtree (pytest's clean-up of old tmp_path folders) recurses too: undo the
        # tree here, bottom up.
        os.remove(Path(deep, "a.txt"))
        while deep != str(tmp_path):
            os.rmdir(deep)
            deep = os.path.dirname(deep)


# --- Low: UTF-16 and UTF-32 are named, not called binary -----------------------------------


@pytest.mark.parametrize(("codec", "name"), [
    ("utf-16", "UTF-16"), ("utf-16-le", "UTF-16LE"), ("utf-16-be", "UTF-16BE"),
    ("utf-32", "UTF-32"), ("utf-32-le", "UTF-32LE"), ("utf-32-be", "UTF-32BE"),
])
def test_wide_unicode_text_files_say_how_to_re_encode(tmp_path: Path, codec, name):
    text = "Cars pollute – “a lot”.\nSo we should ban them."
    path = tmp_path / "wide.txt"
    path.write_bytes(text.encode(codec))
    [(_, error)] = iter_sources([path])
    assert error.code == "E014" and error.details["encoding"] == name
    assert f"iconv -f {name} -t UTF-8" in str(error)
    with pytest.raises(Exception) as info:
        check_text(text.encode(codec))
    assert info.value.code == "E014"


def test_wide_jsonl_and_csv_files_are_one_e014_record(tmp_path: Path):
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_bytes('{"text": "One."}\n{"text": "Two."}\n'.encode("utf-16"))
    csv_file = tmp_path / "b.csv"
    csv_file.write_bytes("text\nOne.\nTwo.\n".encode("utf-16-le"))
    assert _codes(iter_sources([jsonl, csv_file])) == [
        (jsonl.as_posix(), "E014"), (csv_file.as_posix(), "E014")]


def test_binary_data_stays_e004_and_utf8_is_untouched():
    assert units.wide_encoding(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00") is None
    assert units.wide_encoding("Plain ASCII and ünïcödé.".encode()) is None
    with pytest.raises(Exception) as info:
        check_text(b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00>\x00")
    assert info.value.code == "E004"
    assert check_text("\ufeffHi.".encode()) == "Hi."


# --- Low: malformed CSV rows are recorded, not silently cut ---------------------------------


def test_csv_row_with_extra_fields_is_an_error_naming_the_line(tmp_path: Path):
    path = tmp_path / "d.csv"
    path.write_text("id,text\na,First one.\nb,Second, with a comma.\nc,Third.\n")
    items = list(iter_sources([path]))
    assert _codes(items) == [("a", None), (f"{path.as_posix()}:2", "E015"), ("c", None)]
    error = items[1][1]
    assert error.path == str(path) and error.line == 3
    assert "with a comma" in str(error)  # the text that would have been lost is shown


def test_csv_unclosed_quote_is_an_error_naming_where_it_opened(tmp_path: Path):
    path = tmp_path / "d.csv"
    path.write_text('id,text\na,Fine.\nb,"Opened and\nnever closed.\nc,Lost.\n')
    items = list(iter_sources([path]))
    assert [c for _, c in _codes(items)] == [None, "E015"]
    error = items[1][1]
    assert error.path == str(path) and error.line == 3
    assert "never closed" in error.message


def test_csv_short_row_without_text_is_an_e015_not_a_type_error(tmp_path: Path):
    path = tmp_path / "d.csv"
    path.write_text("id,text\na\nb,Fine.\n")
    assert [c for _, c in _codes(iter_sources([path]))] == ["E015", None]


def test_csv_quoted_fields_with_commas_and_newlines_still_read(tmp_path: Path):
    path = tmp_path / "d.csv"
    path.write_text('id,text\na,"One, two.\nThree ""quoted""."\n')
    assert list(iter_sources([path])) == [("a", 'One, two.\nThree "quoted".')]


# --- point 7: a JSONL corpus's text_file stays inside its folder ----------------------------


def _corpus(tmp_path: Path, text_file: str) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir(exist_ok=True)
    (folder / "texts").mkdir(exist_ok=True)
    (folder / "texts" / "inside.txt").write_text("Act now. It pays.")
    (tmp_path / "secret.txt").write_text("Act now. It pays.")  # same length: offsets fit
    path = folder / "c.jsonl"
    units = [{"start": 0, "end": 8, "label": "claim"},
             {"start": 9, "end": 17, "label": "premise", "parent": 0}]
    path.write_text(json.dumps({"id": "ok", "text_file": "texts/inside.txt", "units": units})
                    + "\n" + json.dumps({"id": "x", "text_file": text_file, "units": units})
                    + "\n")
    return path


@pytest.mark.parametrize("where", ["../secret.txt", "ABSOLUTE", "texts/../../secret.txt",
                                   "LINK"])
def test_jsonl_text_file_outside_the_corpus_folder_is_refused(tmp_path: Path, where):
    if where == "ABSOLUTE":
        where = str(tmp_path / "secret.txt")
    elif where == "LINK":
        (tmp_path / "corpus").mkdir()
        os.symlink(tmp_path / "secret.txt", tmp_path / "corpus" / "link.txt")
        where = "link.txt"
    path = _corpus(tmp_path, where)
    with pytest.raises(CorpusFormatError) as info:
        read_jsonl(path)
    assert info.value.code == "E110"
    assert info.value.path == str(path) and info.value.line == 2
    with pytest.raises(CorpusFormatError):  # the CLI's --corpus jsonl:PATH reads this way
        read_corpus("jsonl", path)
    # The user may trust a corpus explicitly.
    docs = read_jsonl(path, allow_outside=True)
    assert [d.text for d in docs] == ["Act now. It pays."] * 2
    assert len(read_corpus("jsonl", path, allow_outside=True)) == 2


@needs_fifo
def test_jsonl_corpus_never_opens_a_fifo(tmp_path: Path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    os.mkfifo(folder / "pipe.txt")
    path = folder / "c.jsonl"
    path.write_text(json.dumps({"text_file": "pipe.txt", "units": [{"start": 0, "end": 1}]}))
    os.mkfifo(folder / "z.jsonl")  # a folder read must skip it, not wait on it

    def read():
        with pytest.raises(CorpusFormatError) as info:
            read_jsonl(folder)
        return info.value

    error = _within(10, read, unblock=[folder / "pipe.txt", folder / "z.jsonl"])
    assert error.code == "E107" and "regular file" in str(error)


def test_jsonl_corpus_path_that_cannot_be_examined_is_a_corpus_error(tmp_path: Path):
    with pytest.raises(CorpusFormatError) as info:
        read_jsonl(tmp_path / ("x" * 300))
    assert info.value.code == "E009"


# --- Low: an unknown CDCP proposition type is refused --------------------------------------


def test_cdcp_unknown_proposition_type_names_file_proposition_and_types(tmp_path: Path):
    folder = tmp_path / "train"
    folder.mkdir()
    (folder / "00001.txt").write_text("Ban it. It harms.")
    ann = folder / "00001.ann.json"
    ann.write_text(json.dumps({"prop_labels": ["policy", "opinion"],
                               "prop_offsets": [[0, 8], [8, 17]],
                               "reasons": [[[1, 1], 0]], "evidences": [], "url": {}}))
    with pytest.raises(CorpusFormatError) as info:
        read_cdcp(tmp_path)
    error = info.value
    assert error.code == "E111" and error.path == str(ann) and error.line == "prop_labels[1]"
    assert "'opinion'" in str(error) and "testimony" in str(error)


def test_new_codes_are_in_their_sections():
    for code in ("E013", "E014", "E015", "E110", "E111"):
        assert code in MESSAGES
