"""Excel column letters and cell ranges, without importing openpyxl.

openpyxl takes about 0.2 s to import (numpy comes with it); reading a plain .xlsx no longer
needs it, so the few helpers ingest used from openpyxl.utils live here, with the same results
and the same errors.
"""
from __future__ import annotations

import re
from functools import lru_cache

_RANGE = re.compile(r"([A-Z]{1,3})(\d+)(?::([A-Z]{1,3})(\d+))?")
MAX_COLUMN = 18278  # ZZZ, the largest column three letters can name


@lru_cache(maxsize=None)
def column_letter(number: int) -> str:
    """1 → A, 27 → AA: the column's name as Excel writes it."""
    if not 1 <= number <= MAX_COLUMN:
        raise ValueError(f"Invalid column index {number}")
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def column_number(letters: str) -> int:
    """A → 1, AA → 27 (letters already upper case)."""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def range_bounds(ref: str) -> tuple[int, int, int, int]:
    """'A1:B3' or 'A1' → (min_row, min_col, max_row, max_col), 1-based.

    Raises ValueError with openpyxl's message for what openpyxl would refuse, so a bad merged
    range is reported the same way as before.
    """
    m = _RANGE.fullmatch(ref.upper())
    if not m:
        raise ValueError(f"{ref.upper()} is not a valid coordinate or range")
    min_col, min_row, max_col, max_row = m.groups()
    if max_col is None:
        max_col, max_row = min_col, min_row
    return int(min_row), column_number(min_col), int(max_row), column_number(max_col)
