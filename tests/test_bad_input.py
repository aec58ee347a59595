"""Unreadable and hostile files: each is refused with a bilingual InputError, never a
traceback, and in bounded time and memory."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from screening.errors import InputError
from screening.ingest import read_ledger
from screening.ingest.workbook import MAX_DATA_ROWS

SHEET = "xl/worksheets/sheet1.xml"


def _refused(path: Path, *fragments: str) -> str:
    with pytest.raises(InputError) as caught:
        read_ledger(path)
    message = str(caught.value)
    assert f"无法读取文件 {path.name}" in message and f"cannot read {path.name}" in message
    for fragment in fragments:
        assert fragment in message
    return message


def _small_workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    wb.active.append(["项目名称", "所属行业", "项目状态"])
    wb.active.append(["甲", "钢铁", "在建"])
    wb.save(path)
    return path


def _replace_members(path: Path, replace: dict[str, object]) -> None:
    """Rewrite an xlsx with some members replaced: bytes, or a callable writing to a stream."""
    with zipfile.ZipFile(path) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in dict.fromkeys([*members, *replace]):
            content = replace.get(name, members.get(name))
            if callable(content):
                with zf.open(name, "w", force_zip64=True) as out:
                    content(out)
            else:
                zf.writestr(name, content)


# ---------------------------------------------------------------- not a workbook


def test_missing_file(tmp_path):
    _refused(tmp_path / "nope.xlsx", "无法打开", "cannot open")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    _refused(path, "0 字节", "empty")


@pytest.mark.parametrize("content", [
    b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,  # an image
    b"\x00\x01\x02garbage\xff\xfe\x00" * 100,  # binary noise
])
def test_binary_that_is_not_a_workbook(tmp_path, content):
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(content)
    _refused(path, "不是有效的 Excel 工作簿", "not a valid workbook")


def test_html_saved_as_xls(tmp_path):
    path = tmp_path / "export.xls"
    path.write_text("<html><body><table><tr><td>项目名称</td></tr></table></body></html>", encoding="utf-8")
    _refused(path, "HTML", "save it as .xlsx")


def test_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "ledger.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "hello")
    _refused(path, "不是 Excel 工作簿", "not an Excel workbook")


def test_truncated_xlsx(tmp_path):
    path = _small_workbook(tmp_path / "cut.xlsx")
    path.write_bytes(path.read_bytes()[:1500])
    _refused(path, "不是有效的 Excel 工作簿", "not a valid workbook")


def test_corrupt_sheet_xml(tmp_path):
    path = _small_workbook(tmp_path / "broken.xlsx")
    _replace_members(path, {SHEET: b"<worksheet><sheetData><row r='1'><c r='A1'"})
    _refused(path, "不是有效的 Excel 工作簿", "ParseError")


def test_ole_file_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "ledger.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000)
    _refused(path, "不是有效的 Excel 工作簿", "not a valid workbook")


# ---------------------------------------------------------------- no table


def test_no_header_row(tmp_path):
    path = tmp_path / "numbers.xlsx"
    wb = openpyxl.Workbook()
    for i in range(40):
        wb.active.append([i, i * 2, "甲乙丙"])
    wb.save(path)
    _refused(path, "未找到表头行", "no header row found")


def test_header_without_project_rows(tmp_path):
    path = tmp_path / "header-only.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["XX县两高项目清单"])
    wb.active.append(["序号", "项目名称", "所属行业", "项目状态"])
    wb.active.append([None, None, None, None])
    wb.active.append(["合计", None, None, None])
    wb.active.title = "台账"
    wb.save(path)
    _refused(path, "未找到项目数据行", "no project rows", "工作表“台账”", "sheet '台账'")


# ---------------------------------------------------------------- hostile


def test_zip_bomb_refused_before_parsing(tmp_path):
    """One member inflating 1000:1 to 200 MB: refused from the zip directory alone."""
    path = _small_workbook(tmp_path / "bomb.xlsx")
    chunk = b"<!-- padding -->" + b" " * (2**20 - 16)

    def inflate(out):
        for _ in range(200):
            out.write(chunk)

    _replace_members(path, {"xl/padding.xml": inflate})
    assert path.stat().st_size < 2 * 2**20
    _refused(path, "压缩炸弹", "zip bomb")
    result = _read_in_child(path)
    assert "zip bomb" in result["message"] and result["seconds"] < 2 and result["rss_mb"] < 150


def test_total_uncompressed_size_limit(tmp_path):
    """Many members each under the ratio rule, together over 300 MB uncompressed."""
    path = _small_workbook(tmp_path / "wide.xlsx")
    blank = b" " * 2**20

    def member(out):
        for _ in range(10):
            out.write(blank)

    _replace_members(path, {f"xl/media/part{i}.xml": member for i in range(31)})
    _refused(path, "超过 300 MB", "exceeds 300 MB")


@pytest.mark.parametrize("member", [SHEET, "xl/sharedStrings.xml"])
def test_billion_laughs(tmp_path, member):
    path = _small_workbook(tmp_path / "laughs.xlsx")
    entities = "".join(f'<!ENTITY lol{i} "{"&lol%d;" % (i - 1) * 10}">' for i in range(1, 10))
    xml = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">' + entities + ']>'
           '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
           '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>')
    _replace_members(path, {member: xml.encode()})
    _refused(path, "实体", "entities")


def _read_in_child(path: Path) -> dict:
    """read_ledger in a fresh process: its refusal, time taken and how far the read raised the
    process's peak memory above what the imports had already taken."""
    code = ("import json, resource, sys, time\n"
            "from screening.ingest import read_ledger\n"
            "from screening.errors import InputError\n"
            "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
            "t = time.monotonic()\n"
            "try:\n    read_ledger(sys.argv[1]); message = None\n"
            "except InputError as e:\n    message = str(e)\n"
            "print(json.dumps({'message': message, 'seconds': time.monotonic() - t,\n"
            "                  'rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - base}))\n")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})
    return json.loads(done.stdout.strip().splitlines()[-1])


def _million_row_xlsx(path: Path, rows: int) -> Path:
    """A real xlsx whose one sheet has `rows` rows, written straight into the zip (openpyxl's
    writer needs ~40 s for a million rows; the XML is the same)."""
    _small_workbook(path)

    def sheet(out):
        out.write('<?xml version="1.0" encoding="UTF-8"?><worksheet '
                  f'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:B{rows + 1}"/>'
                  '<sheetData>'
                  '<row r="1"><c r="A1" t="inlineStr"><is><t>项目名称</t></is></c>'
                  '<c r="B1" t="inlineStr"><is><t>年综合能源消费量</t></is></c></row>'.encode())
        for start in range(2, rows + 2, 10_000):
            out.write("".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>p{n}</t></is></c>'
                              f'<c r="B{n}"><v>{n}</v></c></row>' for n in range(start, min(start + 10_000, rows + 2))
                              ).encode())
        out.write(b"</sheetData></worksheet>")

    _replace_members(path, {SHEET: sheet})
    return path


def test_million_row_sheet_refused_fast_in_bounded_memory(tmp_path):
    path = _million_row_xlsx(tmp_path / "million.xlsx", 1_000_000)
    wb = openpyxl.load_workbook(path, read_only=True)  # it is a real workbook
    assert wb.active.max_row == 1_000_001
    assert next(wb.active.iter_rows(min_row=2, max_row=2, values_only=True)) == ("p2", 2)
    wb.close()
    result = _read_in_child(path)
    assert result["message"] and "200000" in result["message"] and "200,000" in result["message"]
    assert "工作表“Sheet”" in result["message"] and "sheet 'Sheet'" in result["message"]
    assert "million.xlsx" in result["message"]
    assert result["seconds"] < 20
    assert result["rss_mb"] < 300


def test_row_limit_counts_project_rows_in_csv(tmp_path):
    path = tmp_path / "long.csv"
    with path.open("w", encoding="utf-8") as f:
        f.write("项目名称,所属行业\n")
        f.writelines(f"p{i},钢铁\n" for i in range(MAX_DATA_ROWS + 1))
    _refused(path, f"{MAX_DATA_ROWS}", "data rows")


def test_row_limit_not_hit_by_a_table_at_the_limit(tmp_path):
    path = tmp_path / "exact.csv"
    with path.open("w", encoding="utf-8") as f:
        f.write("项目名称,所属行业\n")
        f.writelines(f"p{i},钢铁\n" for i in range(MAX_DATA_ROWS))
    assert len(read_ledger(path).rows) == MAX_DATA_ROWS


def test_undecodable_text(tmp_path):
    path = tmp_path / "ledger.csv"
    path.write_bytes("项目名称,所属行业\n".encode("utf-8") + bytes([0x81, 0x30, 0xFF, 0xFF]) * 10)
    _refused(path, "不是有效的 Excel 工作簿或 CSV 文本", "not a valid workbook or CSV")


def test_a_cell_far_to_the_right_does_not_widen_every_row(tmp_path):
    path = tmp_path / "wide.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["项目名称", "所属行业"])
    wb.active.append(["甲", "钢铁"])
    wb.active.cell(2, 16000, "x")
    wb.save(path)
    _refused(path, "超过 1024 列", "beyond 1024 columns", "工作表“Sheet”", "sheet 'Sheet'")


def test_encrypted_xls_is_named_as_such(tmp_path):
    """A password-protected workbook is an OLE file holding an EncryptedPackage stream."""
    path = tmp_path / "locked.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1000
                     + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 1000)
    _refused(path, "已加密", "encrypted")


def test_corrupt_sheet_xml_is_not_a_traceback_from_the_cli(tmp_path):
    from click.testing import CliRunner

    from screening.cli import main

    path = _small_workbook(tmp_path / "broken.xlsx")
    _replace_members(path, {SHEET: b"<worksheet><sheetData><row r='1'><c r='A1'"})
    result = CliRunner().invoke(main, ["run", str(path), "--as-of", "2021-12-31", "--format", "json"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "broken.xlsx" in result.output and "无法读取" in result.output and "cannot read" in result.output
    assert not (tmp_path / "broken.verdicts.json").exists()


HEADER_ROW = ('<row r="1"><c r="A1" t="inlineStr"><is><t>项目名称</t></is></c>'
              '<c r="B1" t="inlineStr"><is><t>所属行业</t></is></c></row>')


@pytest.mark.parametrize("rows", [
    '<row r="2"><c r="A2" t="inlineStr"><is><t>甲</t></is></c><c r="ZZZZ2"><v>1</v></c></row>',  # past XFD
    '<row r="2"><c r="A2"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
    '<row r="2">' + "<c><v>1</v></c>" * 20_000 + "</row>",  # cells without a reference widen the row
    '<row r="3"><c r="A3"><v>1</v></c></row><row r="2"><c r="A2"><v>1</v></c></row>',  # out of order
    '<row r="2"><c r="A2"><v>1</v></c><c r="B900000"><v>1</v></c></row>',  # one row's cells far apart
])
def test_cells_that_would_make_calamine_allocate_a_huge_grid(tmp_path, monkeypatch, rows):
    """Calamine sizes its grid from the cells' references: such cells never reach it (the
    process would abort), and the file is read, or refused, as openpyxl alone would."""
    from screening.ingest import workbook

    path = _small_workbook(tmp_path / "refs.xlsx")
    _replace_members(path, {SHEET: ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                                    f"<sheetData>{HEADER_ROW}{rows}</sheetData></worksheet>").encode()})
    result = _read_in_child(path)  # an abort would leave no result to read
    assert result["seconds"] < 20
    monkeypatch.setattr(workbook, "workbook_parts", lambda zf: None)
    try:
        read_ledger(path)
        expected = None
    except InputError as exc:
        expected = str(exc)
    assert result["message"] == expected
