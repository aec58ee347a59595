"""Report stage: turn a finished Screening into outputs people and programs read.

JSON (SPEC §4), the annotated workbook, CSV, terminal text and a printable HTML page.
"""
from .csv_table import write_csv
from .html import render_html, write_html
from .json_doc import to_json_document, write_json
from .text import explain_text, render_text
from .workbook import write_xlsx

__all__ = ["to_json_document", "write_json", "write_xlsx", "write_csv", "render_text",
           "render_html", "write_html", "explain_text"]
