"""Read the text back from a PDF written by fpdf2, for tests (no PDF library is installed).

fpdf2 writes each text run as a PDF string in a ``Tj`` or ``TJ`` operator of a (zlib
compressed) content stream. With an embedded TrueType font the string holds 2-byte glyph ids,
and the font's ``ToUnicode`` CMap (``beginbfchar`` pairs) maps them back to characters; with
a core font it holds Latin-1 bytes. The reports write with one font, so one CMap decodes all.
"""

from __future__ import annotations

import re
import zlib

_STREAM_START = re.compile(rb">>\s*stream\r?\n")
_LENGTH = re.compile(rb"/Length (\d+)")
_BFCHAR = re.compile(rb"<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]+)>")
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _streams(data: bytes) -> list[bytes]:
    """Every stream's bytes (inflated when compressed), cut by the ``/Length`` of its
    dictionary: compressed bytes may end with a CR or contain ``endstream``."""
    out = []
    for match in _STREAM_START.finditer(data):
        lengths = _LENGTH.findall(data, data.rfind(b" obj", 0, match.start()), match.start())
        body = data[match.end() : match.end() + int(lengths[-1])]
        try:
            out.append(zlib.decompress(body))
        except zlib.error:
            out.append(body)
    return out


def _strings(content: bytes) -> list[bytes]:
    """The literal strings of a content stream's text operators, unescaped."""
    strings, index = [], 0
    inside_text = False
    while index < len(content):
        if content.startswith(b"BT", index):
            inside_text = True
        elif content.startswith(b"ET", index):
            inside_text = False
            strings.append(b"\n")
        if content[index : index + 1] == b"(" and inside_text:
            index += 1
            buf = bytearray()
            while content[index : index + 1] != b")":
                char = content[index : index + 1]
                if char == b"\\":
                    index += 1
                    nxt = content[index : index + 1]
                    if nxt.isdigit():
                        digits = re.match(rb"[0-7]{1,3}", content[index : index + 3])
                        assert digits is not None
                        buf.append(int(digits.group(0), 8))
                        index += len(digits.group(0))
                        continue
                    buf += _ESCAPES.get(nxt, nxt)
                else:
                    buf += char
                index += 1
            strings.append(bytes(buf))
        index += 1
    return strings


def pdf_text(data: bytes) -> str:
    """All text of the PDF ``data``, one line per text object (``BT`` ... ``ET``)."""
    streams = _streams(data)
    cmap: dict[int, str] = {}
    for stream in streams:
        if b"beginbfchar" in stream:
            for glyph, code in _BFCHAR.findall(stream):
                cmap[int(glyph, 16)] = bytes.fromhex(code.decode()).decode("utf-16-be")
    text = []
    for stream in streams:
        if b"BT" not in stream or b"beginbfchar" in stream:
            continue
        for raw in _strings(stream):
            if raw == b"\n":
                text.append("\n")
            elif cmap:
                text.append(
                    "".join(
                        cmap.get(int.from_bytes(raw[i : i + 2], "big"), "?")
                        for i in range(0, len(raw), 2)
                    )
                )
            else:
                text.append(raw.decode("latin-1"))
    return "".join(text)


def pdf_page_count(data: bytes) -> int:
    """The number of page objects in the PDF ``data``."""
    return len(re.findall(rb"/Type /Page\b(?!s)", data))
