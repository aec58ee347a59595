"""The `screening` command: a thin layer over the library that catches ScreeningError at the edge."""
from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

import click

from . import report
from .errors import ScreeningError
from .options import parse_as_of
from .parallel import run_side_by_side
from .pipeline import screen

FORMATS = ("xlsx", "json", "csv", "text", "html")
SUFFIX = {"xlsx": ".screened.xlsx", "json": ".verdicts.json", "csv": ".screened.csv", "html": ".report.html"}
PROGRESS_THRESHOLD = 300


#: commands imported only when asked for: `screening run` starts without the toolkit or the web app
LAZY_COMMANDS = {
    "ruleset": ("screening.toolkit.commands", "ruleset_group"),
    "serve": ("screening.web.commands", "serve"),
    "users": ("screening.web.commands", "users"),
    "disputes": ("screening.web.commands", "disputes"),
}
WEB_COMMANDS = {"serve", "users", "disputes"}


class EdgeGroup(click.Group):
    """Turns the library's errors into one line on stderr and exit status 2, never a traceback."""

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | {name for name in LAZY_COMMANDS if _available(name)})

    def get_command(self, ctx, name):
        if name in LAZY_COMMANDS and name not in self.commands and _available(name):
            module, attribute = LAZY_COMMANDS[name]
            self.add_command(getattr(importlib.import_module(module), attribute), name)
        return super().get_command(ctx, name)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ScreeningError as error:
            click.echo(f"错误 / error: {error}", err=True)
            ctx.exit(2)


def screening_options(command):
    command = click.option("--regions", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                           help="地区预警表文件 / region status file (else the ledger's own region sheet)")(command)
    command = click.option("--ruleset", "ruleset_ref", default="henan-2021", show_default=True,
                           help="规则集 ID 或 YAML 路径 / ruleset id or path")(command)
    command = click.option("--as-of", callback=parse_as_of, metavar="YYYY-MM-DD",
                           help="判定基准日 / the date the rules are applied as of (default: today)")(command)
    command = click.option("--sheet", help="项目表名称 / project sheet name (default: found by its header)")(command)
    return command


@click.group(cls=EdgeGroup)
@click.version_option(package_name="screening")
def main():
    """两高项目清单筛查 / screen "two-high" project ledgers against policy rulesets."""


def _formats(ctx, param, values) -> tuple[str, ...]:
    """--format xlsx --format json, or --format xlsx,json: each once, in the order given."""
    chosen = [v.strip() for value in values for v in value.split(",") if v.strip()] or ["xlsx"]
    unknown = [v for v in chosen if v not in FORMATS]
    if unknown:
        raise click.BadParameter(f"{', '.join(unknown)} (choose from {', '.join(FORMATS)})")
    return tuple(dict.fromkeys(chosen))


@main.command()
@click.argument("ledger", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@screening_options
@click.option("--format", "-f", "formats", multiple=True, callback=_formats, metavar="FORMAT[,FORMAT…]",
              help=f"输出格式，可多个 / output format(s): {'|'.join(FORMATS)}; repeat or join with commas  [default: xlsx]")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="输出文件（单一格式时）/ output file, for one format (default: beside the ledger; text goes to stdout)")
@click.option("--output-dir", "-d", type=click.Path(file_okay=False, path_type=Path),
              help="输出目录 / directory for the outputs, named after the ledger (default: the ledger's directory)")
@click.option("--quiet", "-q", is_flag=True, help="不打印摘要 / print nothing but errors")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=1, show_default=True, metavar="N",
              help="并行进程数 / screen in N processes (same results; worth it for thousands of projects)")
def run(ledger, regions, ruleset_ref, as_of, sheet, formats, output, output_dir, quiet, jobs):
    """筛查台账 / screen a ledger and write verdicts."""
    if output is not None and (len(formats) > 1 or output_dir is not None):
        raise click.UsageError("--output 只用于单一格式；多种格式请用 --output-dir / "
                               "--output names one file: with several formats use --output-dir")
    result = screen(ledger, regions=regions, ruleset=ruleset_ref, as_of=as_of, sheet=sheet,
                    progress=_progress_bar(quiet), jobs=jobs)
    written, tasks = [], []
    for fmt in formats:
        if fmt == "text" and output is None and output_dir is None:
            click.echo(report.render_text(result, color=sys.stdout.isatty()))
            continue
        target = output or (output_dir or ledger.parent) / (ledger.stem + SUFFIX.get(fmt, ".txt"))
        tasks.append(lambda fmt=fmt, target=target: _write(result, fmt, target))
        written.append(target)
    run_side_by_side(tasks, jobs)  # with --jobs 2, the JSON is written while the workbook is
    if not quiet and written:
        click.echo(_summary_line(result), err=True)
        for target in written:
            click.echo(f"已写入 / wrote {target}", err=True)


def _write(result, fmt: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "text":
        target.write_text(report.render_text(result), encoding="utf-8")
    else:
        getattr(report, f"write_{fmt}")(result, target)


def _summary_line(result) -> str:
    s = result.summary
    return (f"{s['projects']} 个项目 / projects: 叫停 halt {s['halt']}, 整改 rectify {s['rectify']}, "
            f"推进 proceed {s['proceed']} (不属于两高 out of scope {s['out_of_scope']}, "
            f"暂定 provisional {s['provisional']}); 问题 issues {len(result.issues)}")


class _progress_bar:
    """A progress bar on a terminal for ledgers large enough to wait for."""

    def __init__(self, quiet: bool):
        self.enabled = not quiet and sys.stderr.isatty()
        self.bar = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total < PROGRESS_THRESHOLD:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="筛查 / screening", file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)
        if done >= total:
            self.bar.__exit__(None, None, None)


@main.command()
@click.argument("ledger", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("project_id")
@screening_options
def explain(ledger, project_id, regions, ruleset_ref, as_of, sheet):
    """说明一个项目的判定理由 / show one project's reasoning (id, or row number as row-N / N)."""
    result = screen(ledger, regions=regions, ruleset=ruleset_ref, as_of=as_of, sheet=sheet)
    verdict = _find_project(result, project_id)
    if verdict is None:
        raise ScreeningError(f"台账中没有项目 {project_id} / no project {project_id!r} in {ledger.name}")
    click.echo(report.explain_text(verdict, result))


def _find_project(result, wanted: str):
    for verdict in result.verdicts:
        project = verdict.project
        if wanted in (project.key, project.values.get("project_id"), f"row-{project.row}", str(project.row)):
            return verdict
    return None


def _available(name: str) -> bool:
    """The web workspace's commands need its dependencies; a core-only install has the rest."""
    return name not in WEB_COMMANDS or importlib.util.find_spec("fastapi") is not None
