"""A stand-in for the screening library: reads a tiny CSV and returns real model objects.

The web tests use it where they test the web layer itself (storage, auth, visibility,
disputes), so they stay fast and do not depend on the rules; the flows that need real
verdicts use the real library (see test_real_library.py and the browser tests).

CSV columns: project_id,name,city,county,stage,verdict,rules   (rules: "ADM-4.2a:halt;STD-17:rectify")
A file whose first line is HOSTILE makes the fake raise the library's ScreeningError.
"""
from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
from pathlib import Path

from screening.errors import InputError
from screening.model import Clause, Finding, Ledger, ProjectFacts, RegionRecord, Screening, Verdict

from screening.web.library import Library

CSV_HEADER = "project_id,name,city,county,stage,verdict,rules\n"


def ledger_csv(rows: list[tuple]) -> bytes:
    out = io.StringIO()
    out.write(CSV_HEADER)
    w = csv.writer(out)
    for row in rows:
        w.writerow(row)
    return out.getvalue().encode("utf-8")


def fake_screen(path, *, ruleset="henan-2021", as_of=None, progress=None, regions=None):
    data = Path(path).read_bytes()
    if data.startswith(b"HOSTILE"):
        raise InputError("文件含有不安全的内容，已拒绝 / The file holds unsafe content and was refused")
    text = data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    verdicts = []
    for i, r in enumerate(rows):
        findings = []
        for spec in filter(None, (r.get("rules") or "").split(";")):
            rule, _, outcome = spec.partition(":")
            clause = Clause(id=f"henan-2021:{rule}", document=ruleset, ref="4.2", label="（四）2",
                            text=f"条款原文：{rule} 的规定（{ruleset}）。")
            findings.append(Finding(rule=rule, outcome=outcome or "rectify", clauses=[clause],
                                    message=f"{rule} 成立", action=f"按 {rule} 整改",
                                    facts={"capacity_replacement": "未落实"}, cells={"capacity_replacement": f"Q{i + 2}"}))
        if ruleset == "henan-2021-alt" and findings:
            findings[0] = dataclasses.replace(findings[0], outcome="rectify")
        values = {k: r[k] for k in ("project_id", "name", "city", "county", "stage") if r.get(k)}
        values |= {"sector": "钢铁", "energy_equal": 50000.0, "last_diagnosis": dt.date(2020, 6, 30)}
        region = RegionRecord(name=r.get("city") or "安阳市", air_quality="未达标", energy_target="完成",
                              pollution_target="完成", months={"2021-12": "红色"})
        project = ProjectFacts(sheet="两高项目清单", row=i + 2, key=r.get("project_id") or f"row-{i + 2}",
                               values=values, cells={k: f"A{i + 2}" for k in values}, region=region)
        verdict = r.get("verdict") or "proceed"
        if ruleset == "henan-2021-alt" and verdict == "halt":
            verdict = "rectify"
        verdicts.append(Verdict(project=project, two_high=True, verdict=verdict, provisional=False,
                                could_become=None, findings=findings, missing=[]))
        if progress:
            progress(i + 1, len(rows))
    ledger = Ledger(file=Path(path).name, sha256=hashlib.sha256(data).hexdigest(), format="csv", sheet="两高项目清单",
                    sheet_names=["两高项目清单"], header_rows=[1], columns=[], rows=[])
    return Screening(ruleset={"id": ruleset, "version": "9.9.9" if ruleset.endswith("alt") else "1.0.0",
                              "sha256": "f" * 64, "as_of": as_of, "title": "测试规则集"},
                     source={"file": Path(path).name, "sha256": ledger.sha256, "sheet": "两高项目清单"},
                     ledger=ledger, verdicts=verdicts, issues=[])


def fake_document(s: Screening) -> dict:
    return {"ruleset": s.ruleset, "source": s.source, "summary": s.summary,
            "projects": [{"sheet": v.project.sheet, "row": v.project.row, "project_id": v.project.get("project_id"),
                          "name": v.project.get("name"), "city": v.project.get("city"),
                          "county": v.project.get("county"), "two_high": v.two_high, "verdict": v.verdict,
                          "provisional": v.provisional, "could_become": v.could_become,
                          "findings": [f.to_dict() for f in v.findings], "missing": v.missing}
                         for v in s.verdicts],
            "issues": []}


def fake_xlsx(s: Screening, path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "两高项目清单"
    ws.append(["项目代码", "处置结论"])
    for v in s.verdicts:
        ws.append([v.project.get("project_id"), v.verdict])
    wb.save(path)


def fake_html(s: Screening) -> str:
    items = "".join(f"<li>{v.project.get('project_id')} {v.verdict}</li>" for v in s.verdicts)
    return f"<!doctype html><meta charset=utf-8><title>报告</title><ul>{items}</ul>"


def fake_rulesets() -> list[dict]:
    return [{"id": "henan-2021", "title": "河南 2021", "version": "1.0.0", "path": "rulesets/henan-2021.yaml"},
            {"id": "henan-2021-alt", "title": "河南 2021（修订）", "version": "9.9.9", "path": "x"}]


def fake_library() -> Library:
    from screening.errors import ScreeningError

    return Library(screen=fake_screen, to_json_document=fake_document, write_xlsx=fake_xlsx,
                   render_html=fake_html, list_rulesets=fake_rulesets, error=ScreeningError)
