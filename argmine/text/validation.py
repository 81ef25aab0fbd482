"""Input validation: is this text (or these bytes) something argmine can mine?"""

from __future__ import annotations

import codecs

from argmine.errors import InputError

# Byte-order marks of the wide Unicode encodings; UTF-32 first, because the UTF-32-LE mark
# begins with the UTF-16-LE one. None of them is valid UTF-8, so a match is never UTF-8 text.
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)
# Without a mark, wide text is told apart from binary data by where its NULs fall: ASCII
# in UTF-16-LE is "H\0e\0", so NULs sit at odd offsets only; binary data has them anywhere.
_WIDE_LAYOUTS = (
    ("UTF-32LE", 4, (1, 2, 3)),
    ("UTF-32BE", 4, (0, 1, 2)),
    ("UTF-16LE", 2, (1,)),
    ("UTF-16BE", 2, (0,)),
)


def wide_encoding(head: bytes) -> str | None:
    r"""Name the UTF-16/UTF-32 encoding that the first bytes of an input are in, if any.

    A byte-order mark names ``UTF-16`` or ``UTF-32`` (iconv reads the mark); text without
    one is recognised by its pattern of NUL bytes, e.g. ``UTF-16LE``. Binary data, UTF-8 and
    wide text without a single NUL (no ASCII characters at all) give ``None``.

    Args:
        head: The first bytes (a few kilobytes are plenty).

    Examples:
        >>> wide_encoding("Hi.".encode("utf-16"))
        'UTF-16'
        >>> wide_encoding("Hi.".encode("utf-16-be"))
        'UTF-16BE'
        >>> wide_encoding(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR") is None
        True
    """
    for bom, name in _WIDE_BOMS:
        if head.startswith(bom):
            return name
    if head.count(b"\x00") < 2:  # one stray NUL in "ab\0cd" is binary, not UTF-16
        return None
    for name, width, zeros in _WIDE_LAYOUTS:
        size = len(head) - len(head) % width
        if not size:
            continue
        body = head[:size]
        # Every NUL in a zero column and none elsewhere, the high-byte column mostly NUL
        # (text that is mostly ASCII, as markup, digits and spaces make even other
        # scripts), and the bytes decode to text without control characters.
        lanes = [body[k::width] for k in range(width)]
        if any(b"\x00" in lane for k, lane in enumerate(lanes) if k not in zeros):
            continue
        high = lanes[zeros[-1] if name.endswith("LE") else zeros[0]]
        if high.count(0) * 2 < len(high):
            continue
        try:
            text = codecs.getincrementaldecoder(name.lower())().decode(body, final=False)
        except UnicodeDecodeError:
            continue
        if text and all(c.isprintable() or c in "\t\n\r\f\v" for c in text):
            return name
    return None


def check_text(
    data: bytes | str, *, source: str | None = None, max_chars: int = 1_000_000
) -> str:
    r"""Validate input text for the CLI and batch jobs and return it decoded.

    Args:
        data: Raw bytes (decoded as UTF-8, a BOM stripped) or a string.
        source: Where the data came from (a file name), reported as the error's ``path``.
        max_chars: The most characters accepted.

    Returns:
        The text.

    Raises:
        InputError: E014 if the bytes are UTF-16 or UTF-32 text (with or without a
            byte-order mark), E004 if it contains NUL (binary data), E003 if the bytes are
            not UTF-8,
            E002 if it is empty or blank, E005 if longer than ``max_chars``, E006 if it is
            neither bytes nor str.

    Examples:
        >>> check_text(b"\xef\xbb\xbfHello.")
        'Hello.'
        >>> check_text(b"  ", source="in.txt")
        Traceback (most recent call last):
        ...
        argmine.errors.InputError: [E002] in.txt: The input is empty: there is no text to process.
    """
    if isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
        # UTF-16/32 text is not binary: name the encoding so that the fix is one command.
        encoding = wide_encoding(raw[:4096])
        if encoding:
            raise InputError("E014", path=source, encoding=encoding)
        if b"\x00" in raw:
            raise InputError("E004", path=source)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise InputError("E003", path=source, line=line, detail=str(exc)) from None
    elif isinstance(data, str):
        # Same rules for text that arrives already decoded (a JSONL field, an API call).
        if "\x00" in data:
            raise InputError("E004", path=source)
        text = data[1:] if data.startswith("\ufeff") else data
    else:
        raise InputError("E006", path=source, type_name=type(data).__name__)
    if not text.strip():
        raise InputError("E002", path=source)
    if len(text) > max_chars:
        raise InputError("E005", path=source, size=len(text), limit=max_chars)
    return text
