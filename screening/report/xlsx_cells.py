"""Cells the annotated workbook adds, as SpreadsheetML text, and the shared strings they use."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .xlsx_xml import (BLANKS, encoded_batches, MAIN_NS, UNSAFE, XML_DECLARATION, PackageError, clean, escape, is_number,
                       space_attr, text_xml)


class SharedStrings:
    """The strings this run appends to the workbook's shared-strings table.

    Texts that repeat (verdict labels, clause texts, rule messages) are stored once and cited by
    index; `base` is the number of strings the input's table already holds, so the input's own
    indices stay valid.
    """

    def __init__(self, base: int = 0):
        self.base = base
        self.references = 0
        self.indices: dict[str, int] = {}

    def index(self, text: str) -> int:
        self.references += 1
        found = self.indices.get(text)
        return self.add(text) if found is None else found

    def add(self, text: str) -> int:
        index = self.indices[text] = self.base + len(self.indices)
        return index

    def __len__(self) -> int:
        return len(self.indices)

    def entries(self, prefix: str = "") -> Iterator[str]:
        """<si> elements for the added strings, in index order."""
        for text in self.indices:
            yield f"<{prefix}si><{prefix}t{space_attr(text)}>{text_xml(text)}</{prefix}t></{prefix}si>"


class CellWriter:
    """Builds <c> elements; `prefix` is the namespace prefix of the sheet they go into.

    Every value becomes a number cell (int, float, Decimal) or a string cell, never a formula:
    "=1+1" is stored as the text it is. A blank value (None or "") gives an empty cell that
    carries the style, or nothing without one.
    """

    def __init__(self, strings: SharedStrings, prefix: str = ""):
        self.strings = strings
        self.p = prefix

    def placed_row_builder(self, letters: list[str]) -> Callable[[int, list[str], int], str]:
        """A function (row number, texts, style) → cells for texts[i] in column letters[i] of
        that row, among the row's own cells (so each names its place: r="G12"). Every text goes
        to the shared-strings table (these are the verdict texts, which repeat from project to
        project), and what follows the reference in a cell is built once per text and style."""
        p, strings = self.p, self.strings
        heads = [f'<{p}c r="{letter}' for letter in letters]
        tails_by_style: dict[int, dict[str, str]] = {}

        def tail(text: str, style: int) -> str:
            s = f' s="{style}"' if style else ""
            if not text:
                return f'"{s}/>' if s else ""  # an empty cell keeps its style (a fill); else none
            return f'"{s} t="s"><{p}v>{strings.index(text)}</{p}v></{p}c>'

        def cells(number: int, texts: list[str], style: int) -> str:
            tails = tails_by_style.get(style)
            if tails is None:
                tails = tails_by_style[style] = {}
            out = []
            for head, text in zip(heads, texts):
                end = tails.get(text)
                if end is None:
                    end = tails[text] = tail(text, style)
                elif text:
                    strings.references += 1
                if end:
                    out.append(f"{head}{number}{end}")
            return "".join(out)

        return cells

    def table_row_builder(self, shared: list[bool]) -> Callable[[list[Any], int], str]:
        """Like placed_row_builder, for a table where every row has a cell in every column (a blank
        value gives an empty cell): cells then need no r attribute, so the XML of a repeated
        text's cell is the same in every row and is built once."""
        p, strings = self.p, self.strings
        indices, add = strings.indices, strings.add
        kinds: dict[int, tuple[str, str, list]] = {}  # style → (s attribute, empty cell, per-column cache)
        inline_end = f"</{p}t></{p}is></{p}c>"
        preserve, blanks, unsafe = ' xml:space="preserve"', BLANKS, UNSAFE.search

        def cells(values: list[Any], style: int) -> str:
            kind = kinds.get(style)
            if kind is None:
                s = f' s="{style}"' if style else ""
                kind = kinds[style] = (s, f"<{p}c{s}/>", [{} if share else None for share in shared])
            s, empty, known = kind
            out, referenced = [], 0
            for value, cache in zip(values, known):
                if value.__class__ is str and value:
                    if cache is None:  # a one-off text: inline (space_attr and text_xml written out)
                        space = preserve if value[0] in blanks or value[-1] in blanks else ""
                        text = escape(clean(value)) if unsafe(value) else value
                        out.append(f'<{p}c{s} t="inlineStr"><{p}is><{p}t{space}>{text}{inline_end}')
                        continue
                    xml = cache.get(value)
                    if xml is None:
                        index = indices.get(value)
                        index = add(value) if index is None else index
                        xml = cache[value] = f'<{p}c{s} t="s"><{p}v>{index}</{p}v></{p}c>'
                    referenced += 1
                    out.append(xml)
                elif value is None or value == "":
                    out.append(empty)
                elif value.__class__ is bool:
                    out.append(f'<{p}c{s} t="b"><{p}v>{int(value)}</{p}v></{p}c>')
                elif is_number(value):
                    out.append(f'<{p}c{s}><{p}v>{value}</{p}v></{p}c>')
                else:  # anything else (a date, a list): the text it prints as
                    out.append(cells([str(value)], style))
            strings.references += referenced
            return "".join(out)

        return cells


# ---------------------------------------------------------------- the shared-strings part

_SST = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?sst\b([^>]*?)(/?)>")


def _opened(chunks: Iterable[bytes]) -> tuple[bytes, re.Match, bytes, Iterator[bytes]]:
    """The part's first bytes, up to its complete <sst> start tag and maybe beyond; the tag;
    its namespace prefix; and the chunks still to come."""
    stream, buf = iter(chunks), b""
    for chunk in stream:
        buf += chunk
        found = _SST.search(buf)
        if found:
            return buf, found, (found.group(1) + b":") if found.group(1) else b"", stream
    raise PackageError("sharedStrings.xml without <sst>")


def count_strings(chunks: Iterable[bytes]) -> int:
    """How many <si> entries the input's shared-strings part holds. Counted, not read from
    uniqueCount: an index off by one would show every added text in the wrong cell."""
    buf, _, prefix, rest = _opened(chunks)
    pattern = re.compile(rb"<" + re.escape(prefix) + rb"si[\s/>]")
    width = len(prefix) + 3  # one byte less than a match: a match cut in two waits in the carry
    count = len(pattern.findall(buf))
    carry = buf[-width:]
    for chunk in rest:
        buf = carry + chunk
        count += len(pattern.findall(buf))
        carry = buf[-width:]
    return count


def merged_strings(chunks: Iterable[bytes] | None, strings: SharedStrings) -> Iterator[bytes]:
    """The shared-strings part with `strings` appended (a new part when `chunks` is None)."""
    if chunks is None:
        chunks = [f'{XML_DECLARATION}<sst xmlns="{MAIN_NS}" count="0" uniqueCount="0"></sst>'.encode()]
    buf, found, prefix, rest = _opened(chunks)
    carry = buf[:found.start()] + _counted_start(found, prefix, strings) + buf[found.end():]
    for chunk in rest:  # everything but the last bytes, which hold </sst>
        buf = carry + chunk
        carry = buf[-64:]
        yield buf[:-64]
    close = carry.rfind(b"</" + prefix + b"sst>")
    if close < 0:
        raise PackageError("sharedStrings.xml does not end with </sst>")
    yield carry[:close]
    yield from encoded_batches(strings.entries(prefix.decode()))
    yield carry[close:]


def _counted_start(found: re.Match, prefix: bytes, strings: SharedStrings) -> bytes:
    """The <sst> start tag with true counts (count only if the input gave one: it counts every
    cell citing a string, which is unknown for the input's own cells); opened if it was empty."""
    attrs = found.group(2)
    old = re.search(rb"""(?<![\w:.-])count\s*=\s*["'](\d+)["']""", attrs)
    attrs = re.sub(rb"""\s(?:count|uniqueCount)\s*=\s*(?:"[^"]*"|'[^']*')""", b"", attrs).rstrip()
    counts = f' uniqueCount="{strings.base + len(strings)}"'
    if old:
        counts = f' count="{int(old.group(1)) + strings.references}"' + counts
    tag = b"<" + prefix + b"sst" + attrs + counts.encode()
    return tag + (b"></" + prefix + b"sst>" if found.group(3) else b">")
