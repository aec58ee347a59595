"""`screening ruleset check | test | diff`, registered on the main CLI by screening/cli.py.

Exit status: 0 all well; 1 the check found an error, a case failed, coverage is below the
minimum, or (diff --fail-on-change) a verdict changed; 2 a ruleset, ledger or reference that
cannot be read at all (the main group prints it as one line).
"""
from __future__ import annotations

import dataclasses
import json
from contextlib import ExitStack
from pathlib import Path

import click
import yaml

from ..errors import RulesetError
from ..options import parse_as_of
from ..ruleset.loader import RULESETS_DIR, list_rulesets, load_ruleset, resolve_ruleset_path
from . import coverage as coverage_mod
from . import diff as diff_mod
from .gitref import is_git_ref, materialise
from .semantic import check_file


@click.group("ruleset")
def ruleset_group():
    """规则集维护工具 / ruleset maintainers' tools: check, test (with coverage), diff."""


# ------------------------------------------------------------------ check

@ruleset_group.command("check")
@click.argument("paths", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--strict", is_flag=True, help="treat warnings (e.g. a clause no rule cites) as errors")
def check(paths, fmt, strict):
    """校验规则集 / schema and semantic checks, each problem as file:line:col.

    PATHS: ruleset files, ids or folders (default: every runnable ruleset in rulesets/). A
    layer (layer: true) is checked through the rulesets that include it.
    """
    reports = [check_file(path) for path in ruleset_targets(paths)]
    errors = sum(len(r.errors) + (len(r.warnings) if strict else 0) for r in reports)
    if fmt == "json":
        click.echo(json.dumps({
            "ok": errors == 0,
            "files": [{"path": str(r.path), "ruleset": r.ruleset_id, "errors": len(r.errors),
                       "warnings": len(r.warnings)} for r in reports],
            "problems": [dict(p.to_dict(), ruleset_file=str(r.path)) for r in reports for p in r.problems],
        }, ensure_ascii=False, indent=2))
    else:
        for report in reports:
            for problem in report.problems:
                shown = dataclasses.replace(problem, file=diff_mod.display_path(problem.file or report.path))
                click.echo(str(shown))
            click.echo(f"{diff_mod.display_path(report.path)} ({report.ruleset_id or '?'}): "
                       f"{_count(len(report.errors), 'error')}, {_count(len(report.warnings), 'warning')}")
    if errors:
        click.get_current_context().exit(1)


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


# ------------------------------------------------------------------ test

@ruleset_group.command("test")
@click.argument("paths", nargs=-1)
@click.option("--min-coverage", type=click.FloatRange(0, 100), metavar="N",
              help="fail when rule and stage-outcome coverage is below N%")
@click.option("--cases", "cases_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="cases folder (default: the ruleset's `cases:`); only with one ruleset")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def test(paths, min_coverage, cases_dir, fmt):
    """运行规则集用例 / run each ruleset's YAML cases; report failures and rule coverage.

    PATHS: ruleset files, ids or folders (default: every runnable ruleset in rulesets/).
    """
    targets = ruleset_targets(paths)
    if cases_dir and len(targets) != 1:
        raise click.UsageError("--cases needs exactly one ruleset")
    reports = [coverage_mod.run_ruleset_tests(load_ruleset(path), cases_dir) for path in targets]
    failed = any(r.failures for r in reports)
    low = [r for r in reports if min_coverage is not None and r.coverage.percent < min_coverage]
    if fmt == "json":
        click.echo(json.dumps({"ok": not failed and not low,
                               "rulesets": [coverage_mod.to_json(r, min_coverage) for r in reports]},
                              ensure_ascii=False, indent=2))
    else:
        for report in reports:
            click.echo(coverage_mod.render_text(report, min_coverage))
        for report in low:
            click.echo(f"FAIL: {report.ruleset.id} coverage {report.coverage.percent:.1f}% is below the minimum "
                       f"{min_coverage:g}%: add cases that fire the rules and stage outcomes listed above")
    if failed or low:
        click.get_current_context().exit(1)


# ------------------------------------------------------------------ diff

@ruleset_group.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("--ledger", "ledgers", multiple=True, required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path), help="台账 / a ledger (repeatable)")
@click.option("--regions", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="地区预警表文件 / region status file (else each ledger's own region sheet)")
@click.option("--as-of", callback=parse_as_of, metavar="YYYY-MM-DD", help="判定基准日 / as-of date (default: today)")
@click.option("--sheet", help="项目表名称 / project sheet name")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "md"]), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="write here, not stdout")
@click.option("--fail-on-change", is_flag=True, help="exit 1 when any project's verdict, findings or clauses change")
def diff(old, new, ledgers, regions, as_of, sheet, fmt, output, fail_on_change):
    """比较两版规则集的筛查结果 / screen ledgers with two rulesets and list what changes.

    OLD and NEW: a ruleset id, a path, or git:REV:path (e.g. git:HEAD~1:rulesets/henan-2021.yaml).
    """
    from ..pipeline import screen

    with ExitStack() as stack:
        rulesets = [_load_ref(ref, stack) for ref in (old, new)]
        for ruleset in rulesets:
            ruleset.require_in_effect(as_of)  # before any ledger is read
        ledger_diffs = []
        for ledger in ledgers:
            before, after = (screen(ledger, regions=regions, ruleset=r, as_of=as_of, sheet=sheet) for r in rulesets)
            ledger_diffs.append(diff_mod.compare_screenings(before, after, diff_mod.display_path(ledger)))
        report = diff_mod.DiffReport(diff_mod.side(_label(old), rulesets[0]), diff_mod.side(_label(new), rulesets[1]),
                                     as_of, diff_mod.ruleset_changes(rulesets[0], rulesets[1], as_of), ledger_diffs)
    if fmt == "json":
        text = json.dumps(diff_mod.to_json(report), ensure_ascii=False, indent=2) + "\n"
    elif fmt == "md":
        text = diff_mod.render_md(report)
    else:
        text = diff_mod.render_text(report)
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        click.echo(f"已写入 / wrote {output}", err=True)
    else:
        click.echo(text, nl=False)
    if fail_on_change and report.changes:
        click.get_current_context().exit(1)


def _load_ref(ref: str, stack: ExitStack):
    if is_git_ref(ref):
        return load_ruleset(stack.enter_context(materialise(ref)))
    return load_ruleset(ref)


def _label(ref: str) -> str:
    return ref if is_git_ref(ref) else diff_mod.display_path(resolve_ruleset_path(ref))


# ------------------------------------------------------------------ which files

def ruleset_targets(paths) -> list[Path]:
    """The runnable ruleset files PATHS name: files, ids or folders; a layer stands for the
    rulesets that include it. No PATHS: every runnable ruleset in rulesets/."""
    if not paths:
        return [Path(r["path"]) for r in list_rulesets(RULESETS_DIR)]
    targets: list[Path] = []
    for ref in paths:
        path = Path(ref)
        if path.is_dir():
            found = [Path(r["path"]) for r in list_rulesets(path)]
            if not found:
                raise RulesetError(f"no runnable ruleset (*.yaml without `layer: true`) in {path}")
        else:
            path = resolve_ruleset_path(ref)
            found = _includers(path) if _is_layer(path) else [path]
        targets += [p.resolve() for p in found if p.resolve() not in targets]
    return targets


def _raw(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def _is_layer(path: Path) -> bool:
    return bool(_raw(path).get("layer"))


def _includers(layer: Path) -> list[Path]:
    """The runnable rulesets beside a layer whose includes reach it; the layer itself if none."""
    layer = layer.resolve()
    found = []
    for entry in list_rulesets(layer.parent):
        path = Path(entry["path"]).resolve()
        seen, pending = set(), [path]
        while pending:
            current = pending.pop()
            if current in seen:
                continue
            seen.add(current)
            pending += [(current.parent / name).resolve() for name in _raw(current).get("includes") or []
                        if isinstance(name, str)]
        if layer in seen:
            found.append(path)
    return found or [layer]
