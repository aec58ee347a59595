"""Problems found in the data. They are values, collected and reported, never raised."""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

#: issue type → (中文, English) description of the kind of problem
ISSUE_TYPES = {
    "invalid-value": ("值无法识别", "value not recognised"),
    "out-of-range": ("数值超出范围", "value out of range"),
    "suspicious-scale": ("数值疑似单位错误", "value looks off by a unit"),
    "missing-value": ("必填信息缺失", "required value missing"),
    "duplicate-id": ("项目代码重复", "duplicate project id"),
    "unknown-region": ("地区无法匹配", "region not found"),
    "unknown-column": ("未识别的列", "column not recognised"),
    "missing-column": ("缺少字段列", "column missing"),
    "skipped-row": ("跳过的行", "row skipped"),
    "formula-cell": ("单元格含公式", "cell holds a formula"),
    "region-issue": ("地区预警表问题", "region sheet problem"),
    "engine-error": ("规则执行出错", "rule evaluation failed"),
}


@dataclass
class Issue:
    """One problem in the input, located as a person would find it in Excel."""

    type: str
    message: str
    message_en: str = ""
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    field: str | None = None
    value: Any = None

    def to_dict(self) -> dict:
        data = {f: getattr(self, f) for f in _FIELDS}
        if data["value"] is not None and not isinstance(data["value"], (str, int, float, bool)):
            data["value"] = str(data["value"])
        return data

    @property
    def cell(self) -> str | None:
        if self.column and self.row:
            return f"{self.column}{self.row}"
        return None

    def describe(self) -> str:
        where = " ".join(p for p in (self.sheet and f"[{self.sheet}]", self.cell or (self.row and f"第{self.row}行")) if p)
        text = f"{self.message} / {self.message_en}" if self.message_en else self.message
        return f"{where} {text}".strip()


_FIELDS = tuple(f.name for f in fields(Issue))
