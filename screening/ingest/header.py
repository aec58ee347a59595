"""Finding the header row(s) of a ledger sheet and mapping header texts to canonical fields.

Headers are compared after normalising: full-width forms folded (NFKC), whitespace, quotes
and punctuation removed, and bracketed units taken out (they set Column.unit and scale).
Bracketed qualifiers that are not units stay, because they tell fields apart:
年综合能源消费量（当量值，吨标准煤） must become 年综合能源消费量当量值, not 年综合能源消费量.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz, process

from ..fieldspec import load_field_spec
from ..issues import Issue
from ..model import Column
from .refs import column_letter
from .workbook import MAX_COLUMNS, Formula, Merge

HEADER_SCAN_ROWS = 30
MIN_HEADER_SCORE = 2  # matched fields a row needs to count as the header
FUZZY_CUTOFF = 88  # rapidfuzz ratio; strict, so only near-identical spellings match
FUZZY_MIN_LEN = 4  # short headers (市, 县, 状态) match exactly or not at all
SERIAL_HEADERS = {"序号", "序", "no", "行号", "序列号"}

_BRACKET = re.compile(r"[(\[【〔{<]([^()\[\]【】〔〕{}<>]*)[)\]】〕}>]")
_TOKEN_SPLIT = re.compile(r"[,，、;；/]")
_UNIT = re.compile(
    r"^(?:单位[:：]?)?(?:万|千)?(?:吨标准煤|吨标煤|标准煤|标煤|tce|tec|t标煤|吨|t|kgce/t|kgce|千克标准煤/吨|千克标准煤|kg|"
    r"千瓦时|kwh|万元|元|立方米|m3|%)(?:/年|/a)?$", re.IGNORECASE)
_DROP = re.compile(r"[\s\"'“”‘’「」『』《》:：、/·.。,，;；!！?？\-—_~～*#＋+]")


def header_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Formula):
        return value.text
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


@dataclass(frozen=True)
class HeaderParts:
    keys: tuple[str, ...]  # normalised forms to look up, best first
    unit: str | None


def parse_header(text: str) -> HeaderParts:
    """The normalised lookup keys of a header text and the unit it states, if any."""
    text = unicodedata.normalize("NFKC", text).lower()
    units: list[str] = []

    def split(content: str) -> str:
        kept = []
        for token in _TOKEN_SPLIT.split(content):
            token = token.strip()
            (units if _UNIT.match(token) else kept).append(token)
        return "".join(kept)

    keep = _BRACKET.sub(lambda m: split(m.group(1)), text)
    drop = _BRACKET.sub("", text)
    # a unit written after a slash or comma outside brackets: 当量值/吨标准煤
    if not units and re.search(r"[/,，]", keep):
        keep = split(keep)
        drop = split(drop) if units else drop
    keys = tuple(dict.fromkeys(k for k in (_DROP.sub("", keep), _DROP.sub("", drop)) if k))
    return HeaderParts(keys, units[0] if units else None)


def unit_scale(unit: str | None) -> float:
    """万吨标准煤 / 万tce → 10000; 吨标准煤 / tce → 1; other units leave values as written."""
    if not unit:
        return 1.0
    u = unit.lower()
    if u.startswith("万") and re.search(r"吨|tce|标煤|标准煤", u):
        return 10000.0
    return 1.0


class AliasIndex:
    """Header text → canonical field key: exact alias first, then a strict fuzzy match."""

    def __init__(self, aliases: dict[str, str]):
        self.exact = aliases
        self.long = [a for a in aliases if len(a) >= FUZZY_MIN_LEN]

    @lru_cache(maxsize=4096)  # header texts repeat across rows and sheets; fuzzy matching is not free
    def match_keys(self, keys: tuple[str, ...]) -> str | None:
        for key in keys:
            if key in self.exact:
                return self.exact[key]
        for key in keys:
            if len(key) >= FUZZY_MIN_LEN and (hit := self._fuzzy(key)):
                return hit
        return None

    def _fuzzy(self, key: str) -> str | None:
        found = process.extract(key, self.long, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=3)
        if not found:
            return None
        best = found[0][1]
        fields = {self.exact[alias] for alias, score, _ in found if score == best}
        return fields.pop() if len(fields) == 1 else None  # a tie between fields is no match


@lru_cache(maxsize=1)
def alias_index() -> AliasIndex:
    aliases: dict[str, str] = {}
    for key, f in load_field_spec().fields.items():
        for alias in (*f.aliases, f.label):
            for k in parse_header(alias).keys[:1]:
                aliases.setdefault(k, key)
    return AliasIndex(aliases)


def is_serial(text: str) -> bool:
    keys = parse_header(text).keys
    return bool(keys) and keys[0] in SERIAL_HEADERS


# ---------------------------------------------------------------- header detection


@dataclass
class Header:
    rows: list[int]  # Excel row numbers, one or two
    columns: list[Column]
    score: int
    issues: list[Issue] = field(default_factory=list)


@dataclass
class _Cell:
    top: str
    sub: str
    grouped: bool  # top is a group label spread over several columns


def find_header(sample: list[tuple[int, list[Any]]], merges: list[Merge], sheet: str,
                min_score: int = MIN_HEADER_SCORE) -> Header | None:
    """The best header in the first rows of a sheet, or None when no row looks like one.

    `min_score` is the number of recognised columns a header needs; one will do when the
    caller named the sheet.
    """
    rows = [(n, [header_text(v) for v in values[:MAX_COLUMNS]]) for n, values in sample[:HEADER_SCAN_ROWS]]
    if not rows:
        return None
    scores = [_score([_Cell(t, "", False) for t in texts]) for _, texts in rows]
    best = max(range(len(rows)), key=lambda i: (scores[i], -i))
    if scores[best] < min_score:
        return None
    pair = _two_row_header(rows, best, scores[best], merges, sample)
    if pair is not None:
        top_index, cells = pair
        header_rows = [rows[top_index][0], rows[top_index + 1][0]]
    else:
        cells = [_Cell(t, "", False) for t in rows[best][1]]
        header_rows = [rows[best][0]]
    columns, issues = _columns(cells, header_rows[-1], sheet)
    return Header(header_rows, columns, sum(c.field is not None for c in columns), issues)


def _two_row_header(rows, best, best_score, merges, sample):
    """(index of the top row, combined cells) when the header spans two rows, else None."""
    below = best + 1 < len(rows) and _pair(rows, best, merges, sample)
    if below and (below[0] or _score(below[1]) > best_score):
        return best, below[1]
    above = best > 0 and _pair(rows, best - 1, merges, sample)
    if above and _is_group_row(rows[best - 1][1]) and (above[0] or _score(above[1]) > best_score):
        return best - 1, above[1]
    return None


def _pair(rows, i, merges, sample) -> tuple[bool, list[_Cell]] | None:
    """Combine rows i and i+1; the flag says whether layout (merges, groups) shows a two-row header."""
    (top_row, top), (sub_row, sub) = rows[i], rows[i + 1]
    if sub_row != top_row + 1 or not any(sub):
        return None
    width = max(_width(top), _width(sub))
    top, sub = top + [""] * (width - len(top)), sub + [""] * (width - len(sub))
    local = [m for m in merges if m[0] <= sub_row and m[2] >= top_row and m[1] <= width]
    if local:
        cells, signal = _merged_cells(top, sub, top_row, local)
    else:
        cells, signal = _filled_cells(top, sub)
        # without merges, a sub-header row is all text; a data row usually is not
        signal = signal and all(isinstance(v, str) or v is None for v in sample[i + 1][1])
    return signal, cells


def _merged_cells(top, sub, top_row, merges) -> tuple[list[_Cell], bool]:
    cover: dict[tuple[int, int], Merge] = {}
    for m in merges:
        for r in range(max(m[0], top_row), min(m[2], top_row + 1) + 1):
            for c in range(m[1], min(m[3], len(top)) + 1):
                cover[(r, c)] = m
    cells, signal = [], False
    for c in range(len(top)):
        t_merge, s_merge = cover.get((top_row, c + 1)), cover.get((top_row + 1, c + 1))
        text, grouped = top[c], False
        if t_merge and t_merge[0] == top_row:
            text, grouped = top[t_merge[1] - 1], t_merge[3] > t_merge[1]
        below = sub[c]
        if s_merge and s_merge[0] == top_row:
            below, signal = "", True  # a top cell merged down over the second header row
        elif s_merge and s_merge[0] == top_row + 1:
            below = sub[s_merge[1] - 1]
        signal = signal or (grouped and bool(below))
        cells.append(_Cell(text, below, grouped))
    return cells, signal


def _filled_cells(top, sub) -> tuple[list[_Cell], bool]:
    """No merge information (CSV, or merges lost): a blank top cell over a sub-header
    belongs to the group label on its left, as merged cells look once unmerged."""
    cells: list[_Cell] = []
    groups = 0
    for c in range(len(top)):
        text, grouped = top[c], False
        if not text and sub[c] and cells and cells[-1].top and cells[-1].sub:
            text, grouped = cells[-1].top, True
            cells[-1].grouped = True
            groups += 1
        elif text and sub[c] and not (c + 1 < len(top) and not top[c + 1] and sub[c + 1]):
            return [], False  # a sub value under a plain header: a data row, not a header
        cells.append(_Cell(text, sub[c], grouped))
    return cells, groups > 0


def _is_group_row(texts: list[str]) -> bool:
    """Group labels are short and several; a title or 填报单位：… line is not a group row."""
    filled = [t for t in texts if t]
    return len(set(filled)) >= 2 and all(
        len(t) <= 20 and not re.search(r"[:：]|清单|台账|统计表|汇总表|填报|日期", t) for t in filled)


def _width(texts: list[str]) -> int:
    return max((i + 1 for i, t in enumerate(texts) if t), default=0)


def _candidates(cell: _Cell) -> tuple[tuple[str, ...], str | None]:
    """Lookup keys in order: group+sub, sub alone, then the top alone unless it is a group."""
    top, sub = parse_header(cell.top), parse_header(cell.sub)
    if not cell.sub:
        return top.keys, top.unit
    keys = [t + s for t in top.keys for s in sub.keys] + list(sub.keys)
    if not cell.grouped:
        keys += list(top.keys)
    return tuple(dict.fromkeys(keys)), sub.unit or top.unit


def _score(cells: list[_Cell]) -> int:
    index = alias_index()
    return len({f for c in cells if (f := index.match_keys(_candidates(c)[0]))})


def _columns(cells: list[_Cell], header_row: int, sheet: str) -> tuple[list[Column], list[Issue]]:
    index = alias_index()
    columns, issues, seen = [], [], {}
    for i, cell in enumerate(cells[: _width([c.top or c.sub for c in cells])]):
        keys, unit = _candidates(cell)
        text = "/".join(dict.fromkeys(t for t in (cell.top, cell.sub) if t))
        letter = column_letter(i + 1)
        key = index.match_keys(keys) if text else None
        if key and key in seen:
            issues.append(_issue(sheet, header_row, letter, text, key,
                                 f"字段“{key}”已由 {seen[key]} 列提供，本列“{text}”不参与判断，原样保留",
                                 f"field {key} already comes from column {seen[key]}; column {text!r} is kept but not used"))
            key = None
        elif key:
            seen[key] = letter
        elif text and not is_serial(text):
            issues.append(_issue(sheet, header_row, letter, text, None,
                                 f"未识别的列“{text}”，原样保留并复制到输出",
                                 f"column {text!r} not recognised; kept and copied to the output"))
        columns.append(Column(index=i, letter=letter, header=text, field=key,
                              scale=unit_scale(unit) if key else 1.0, unit=unit))
    return columns, issues


def _issue(sheet, row, letter, text, key, zh, en) -> Issue:
    return Issue(type="unknown-column", sheet=sheet, row=row, column=letter, field=key, value=text,
                 message=zh, message_en=en)
