"""A CSV file's bytes, checked without decoding them: UTF-8, NUL bytes, blank lines, line breaks.

read_csv_bytes gives pyarrow a UTF-8 file's own bytes; these checks find what it would find in
the file's text, without decoding more than the head (and, for a streamed file, without holding
the file: ``scan_csv`` and ``FileBytes`` read it a block at a time).
"""

from __future__ import annotations

import codecs
from pathlib import Path

SCAN_BLOCK = 4 << 20  # iter_tables checks a CSV it streams (UTF-8, NUL bytes, blank lines) by blocks
BLANK_LINES = (b"\n\n", b"\n\r\n", b"\r\r")  # csvfile._has_blank_line's patterns, as bytes


def valid_utf8(buffer: bytes | memoryview) -> bool:
    """Is ``buffer`` UTF-8? (pyarrow checks it in place, many times faster than decoding it.)"""
    import numpy as np
    import pyarrow as pa

    n = memoryview(buffer).nbytes
    text = pa.Array.from_buffers(pa.large_string(), 1, [
        None, pa.py_buffer(np.array([0, n], dtype=np.int64)), pa.py_buffer(buffer)])
    try:
        text.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def utf8_complete(buffer: bytes | memoryview) -> int:
    """The length of ``buffer`` without a character cut short at its end."""
    view = memoryview(buffer)
    n = len(view)
    i = n - 1
    while i >= 0 and n - i <= 4 and 0x80 <= view[i] < 0xC0:
        i -= 1
    if i < 0 or n - i > 4:
        return n  # no character starts here: validating says what it is
    lead = view[i]
    need = 1 if lead < 0x80 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
    return i if n - i < need else n


def decode_head(raw: bytes, *, whole: bool) -> str:
    """The text of UTF-8 ``raw``, the file's start (or all of it, ``whole``): a character cut at
    its end is left out."""
    return codecs.getincrementaldecoder("utf-8")().decode(raw, final=whole)


def has_blank_line_bytes(data: bytes, start: int = 0) -> bool:
    """csvfile._has_blank_line on bytes (on UTF-8, the same answer as on its text).

    numpy looks, 256 KB at a time, for two line-break bytes in a row (LF LF, CR CR or LF CR);
    only a block holding some is searched for the patterns themselves.
    """
    import numpy as np

    n = len(data)
    block = 1 << 18
    for s in range(start, n - 1, block):
        for off in (0, 1):
            count = min(block // 2, (n - s - off) // 2)
            if count <= 0:
                continue
            pairs = np.frombuffer(data, "<u2", count=count, offset=s + off)
            if ((pairs == 0x0A0A) | (pairs == 0x0D0D) | (pairs == 0x0D0A)).any():
                end = min(n, s + block + 2)
                if any(data.find(p, s, end) >= 0 for p in BLANK_LINES):
                    return True
                break
    return False


class FileBytes:
    """A file's bytes: held (``data``), or read from ``path`` when asked."""

    def __init__(self, *, data: bytes | None = None, path: Path | None = None) -> None:
        self.data, self.path = data, path
        self.size = len(data) if data is not None else path.stat().st_size if path else 0

    def read(self, start: int, end: int) -> bytes:
        if self.data is not None:
            return self.data[start:end]
        assert self.path is not None
        with self.path.open("rb") as f:
            f.seek(start)
            return f.read(end - start)

    def line_breaks(self, end: int) -> int:
        """Line breaks (CRLF, LF or CR, as csvfile._LINE_BREAK finds them) in the bytes before ``end``."""
        if self.data is not None:
            d = self.data
            return d.count(b"\n", 0, end) + d.count(b"\r", 0, end) - d.count(b"\r\n", 0, end)
        assert self.path is not None
        n, pos, cr = 0, 0, False
        with self.path.open("rb") as f:
            while pos < end and (block := f.read(min(SCAN_BLOCK, end - pos))):
                n += block.count(b"\n") + block.count(b"\r") - block.count(b"\r\n")
                n -= cr and block[:1] == b"\n"  # a CRLF cut in two
                cr = block[-1:] == b"\r"
                pos += len(block)
        return n


def scan_csv(path: Path, text_start: int, body_at: int) -> bool:
    """What read_csv_bytes checks of a whole file before giving it to pyarrow, a block at a
    time: no NUL byte, UTF-8 from ``text_start`` on, no blank line from ``body_at`` on."""
    pos, carry, tail = 0, b"", b""
    with path.open("rb") as f:
        while block := f.read(SCAN_BLOCK):
            if b"\x00" in block:
                return False
            text = carry + block[max(0, text_start - pos):] if carry else \
                block[max(0, text_start - pos):]
            cut = utf8_complete(text)
            if not valid_utf8(memoryview(text)[:cut]):
                return False
            carry = text[cut:]
            end = pos + len(block)
            if end > body_at:
                if has_blank_line_bytes(block, max(0, body_at - pos)):
                    return False
                joint, joint_at = tail + block[:2], pos - len(tail)  # a pattern across blocks
                if any(joint.find(p, max(0, body_at - joint_at)) >= 0 for p in BLANK_LINES):
                    return False
            tail = (tail + block)[-2:] if len(block) < 2 else block[-2:]
            pos = end
    return not carry
