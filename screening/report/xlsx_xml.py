"""Small pieces of SpreadsheetML the annotated-workbook writer builds cells and parts from.

Everything here works on text with `re`: the parts are copied through byte for byte except
where a cell or an element is added, so nothing is parsed and re-serialised (ElementTree would
rename namespace prefixes and drop what it does not know).
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# What openpyxl's ILLEGAL_CHARACTERS_RE strips, plus what UTF-8 cannot encode (lone surrogates)
# and the two non-characters XML 1.0 forbids: a cell holding any of them makes Excel repair the file.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ENTITY = re.compile(r"&(?:(amp|lt|gt|quot|apos)|#(\d+)|#x([0-9A-Fa-f]+));")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_ATTR = re.compile(rb'([\w:.-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')
_NUMBER_TYPES = (int, float, Decimal)


class PackageError(Exception):
    """The input package is not one the streaming writer can annotate faithfully."""


UNSAFE = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    """`text` without the characters an XML part cannot hold."""
    return _ILLEGAL.sub("", text)


def escape(text: str) -> str:
    # xml.sax.saxutils.escape, without the 30 ms import of urllib.request it brings along.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def text_xml(text: str) -> str:
    """Element content for `text`: cleaned and escaped (one search when there is nothing to do,
    which is almost always)."""
    return escape(clean(text)) if UNSAFE.search(text) else text


def attr_xml(text: str) -> str:
    """An attribute value (between double quotes) for `text`."""
    return escape(clean(text)).replace('"', "&quot;")


def unescape(text: str) -> str:
    """Element content or attribute value as the string it stands for (XML's five entities and
    character references; no DTD is allowed in, so no other entity can occur)."""
    if "&" not in text:
        return text
    return _ENTITY.sub(_entity_char, text)


def _entity_char(match: re.Match) -> str:
    name, decimal, hexadecimal = match.groups()
    if name:
        return _NAMED[name]
    code = int(decimal) if decimal else int(hexadecimal, 16)
    return chr(code) if code <= 0x10FFFF else ""


def attributes(tag: bytes) -> dict[str, str]:
    """The attributes of a start tag as {qualified name: unescaped value}."""
    return {m.group(1).decode(): unescape((m.group(2) if m.group(2) is not None else m.group(3)).decode("utf-8"))
            for m in _ATTR.finditer(tag)}


def column_letter(index: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: bytes | str) -> int:
    """A → 1, AA → 27 (letters as in a cell reference, upper or lower case)."""
    if isinstance(letters, bytes):
        letters = letters.decode("ascii")
    index = 0
    for ch in letters.upper():
        index = index * 26 + ord(ch) - 64
    return index


_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")


def split_ref(ref: str) -> tuple[int, int] | None:
    """"B7" → (row 7, column 2); None when `ref` is not a cell reference."""
    match = _REF.fullmatch(ref.strip())
    return (int(match.group(2)), column_index(match.group(1))) if match else None


BLANKS = " \t\n\r"  # the whitespace of XML


def space_attr(text: str) -> str:
    # Without xml:space="preserve" a reader may drop leading and trailing blanks.
    return ' xml:space="preserve"' if text and (text[0] in BLANKS or text[-1] in BLANKS) else ""


def is_number(value: Any) -> bool:
    """Whether `value` is written as a number cell (bool is not: it would read back as 1/0)."""
    if isinstance(value, bool) or not isinstance(value, _NUMBER_TYPES):
        return False
    if isinstance(value, float):
        return math.isfinite(value)  # NaN and infinities have no cell form: written as text
    return value.is_finite() if isinstance(value, Decimal) else True


def encoded_batches(texts: Iterable[str], size: int = 1 << 20) -> Iterator[bytes]:
    """Pieces of XML text joined into UTF-8 chunks of about `size` characters, for a zip stream."""
    batch, length = [], 0
    for text in texts:
        batch.append(text)
        length += len(text)
        if length >= size:
            yield "".join(batch).encode("utf-8")
            batch, length = [], 0
    yield "".join(batch).encode("utf-8")
