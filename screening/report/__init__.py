"""Report stage: turn a finished Screening into outputs people and programs read.

JSON (SPEC §4), the annotated workbook, CSV, terminal text and a printable HTML page.
Each writer's module is imported when first used: a run that writes JSON does not pay for
Jinja2, and one that writes text does not pay for the workbook writer.
"""
from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_WHERE = {
    "write_csv": "csv_table",
    "render_html": "html", "write_html": "html",
    "to_json_document": "json_doc", "write_json": "json_doc",
    "explain_text": "text", "render_text": "text",
    "write_xlsx": "workbook",
}

__all__ = ["to_json_document", "write_json", "write_xlsx", "write_csv", "render_text",
           "render_html", "write_html", "explain_text"]

if TYPE_CHECKING:
    from .csv_table import write_csv
    from .html import render_html, write_html
    from .json_doc import to_json_document, write_json
    from .text import explain_text, render_text
    from .workbook import write_xlsx


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
