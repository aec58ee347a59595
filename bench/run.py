#!/usr/bin/env python3
"""The benchmark behind `make bench`: every stage at 200, 10,000 and 100,000 projects.

    .venv/bin/python bench/run.py                       # all sizes (generates missing ledgers)
    .venv/bin/python bench/run.py --sizes 200,10000     # some sizes
    .venv/bin/python bench/run.py --jobs 2              # processes for the end-to-end run

For each size two fresh processes are started, one after the other, so that no size inherits
another's memory or warm caches:

1. stages: the ruleset is loaded and compiled (setup), then read (ingest), facts, engine,
   verdicts, write xlsx and write JSON run one after the other in one process; each stage's
   wall time and the peak resident memory (VmHWM, reset before the stage through
   /proc/self/clear_refs) of that process while it ran. The memory of a stage therefore
   includes what earlier stages still hold (the ledger, the projects…). The same process
   then runs the reference evaluation (bench/reference.py, vectorised pandas) on the same
   projects and compares its verdicts with the engine's.
2. end to end: `screening run LEDGER --format xlsx,json --output-dir … --jobs N`, the command
   a user runs, an .xlsx in and the annotated .xlsx plus the JSON document out, timed from
   starting the process to its exit (interpreter, imports, ruleset, engine, read, facts,
   screening, both writes). Peak memory is that of the whole process tree: the sum of the
   processes' proportional set sizes (PSS), sampled every 250 ms, or the largest peak resident
   size of one process if higher. PSS counts a page shared by the forked workers and their
   parent once, as the machine does; summing resident sizes would count it once per process.

A stage that runs past its time budget is stopped: its time is reported as "> budget" and the
targets that depend on it fail. The table is printed and also written to bench/out/latest.md
and bench/out/latest.json. The exit status is 1 when a target fails.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
AS_OF = dt.date(2021, 12, 31)
SIZES = (200, 10_000, 100_000)
STAGES = ("setup", "read", "facts", "engine", "verdicts", "write xlsx", "write JSON")
TARGET_SMALL = (200, 1.0)  # projects, seconds end to end
TARGET_LARGE = (100_000, 30.0, 1.5 * 2**30)  # projects, seconds, bytes
TARGET_ENGINE_RATIO = 10.0
CONSISTENCY_SAMPLE = 10_000  # projects checked with screening.verdicts.check_consistency


def budget(n: int) -> float:
    """Seconds the stages process may take before it is stopped."""
    return max(180.0, n * 0.006)


def budget_e2e(n: int) -> float:
    """Seconds the end-to-end process may take: five times the 100,000-project target's pace."""
    return max(150.0, n * 0.0015)


# ------------------------------------------------------------------------------ memory

def _status(pid: int | str = "self") -> dict[str, int]:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return {k: int(v) * 1024 for k, v in re.findall(r"^(VmHWM|VmRSS):\s+(\d+) kB", text, re.M)}


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found + [g for c in found for g in _children(c)]


def reset_peak() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


# ------------------------------------------------------------------------------ child: stages

def child_stages(path: Path, report) -> None:
    sys.path.insert(0, str(ROOT))
    from bench.reference import compare, reference_verdicts
    from screening.facts import build_facts
    from screening.ingest import read_ledger
    from screening.model import Screening
    from screening.pipeline import _error_issues, engine_for
    from screening.report import write_json, write_xlsx
    from screening.ruleset import load_ruleset
    from screening.verdicts import check_consistency, decide

    out = OUT / "work"
    out.mkdir(parents=True, exist_ok=True)

    def stage(name, fn):
        report({"starting": name})
        reset_peak()
        start = time.perf_counter()
        value = fn()
        seconds = time.perf_counter() - start
        report({"stage": name, "seconds": seconds, "peak": _status().get("VmHWM", 0)})
        return value

    ruleset = stage("setup", lambda: load_ruleset("henan-2021"))
    engine = engine_for(ruleset, AS_OF)
    ledger = stage("read", lambda: read_ledger(path))
    projects, fact_issues = stage("facts", lambda: build_facts(ledger))
    results = stage("engine", lambda: engine.screen(projects))
    verdicts = stage("verdicts", lambda: [decide(r, engine.compiled) for r in results])
    issues = list(ledger.skipped) + list(ledger.issues) + list(fact_issues) + _error_issues(verdicts)
    issues.sort(key=lambda i: (i.row or 0, i.column or ""))
    screening = Screening(ruleset=ruleset.meta(AS_OF),
                          source={"file": Path(ledger.file).name, "sha256": ledger.sha256, "sheet": ledger.sheet},
                          ledger=ledger, verdicts=verdicts, issues=issues)
    counts = {}
    for v in verdicts:
        key = "error" if v.error else ("out of scope" if v.two_high is False else
                                       f"{v.verdict}{' (provisional)' if v.provisional else ''}")
        counts[key] = counts.get(key, 0) + 1
    report({"counts": counts, "projects": len(projects), "errors": sum(1 for v in verdicts if v.error)})
    del results
    report({"starting": "reference"})
    reference = reference_verdicts(projects, ruleset, AS_OF)
    mismatches = compare(reference, verdicts)
    report({"reference": reference.seconds, "reference_frame": reference.seconds_frame,
            "reference_rules": reference.seconds_rules, "mismatches": len(mismatches), "examples": mismatches[:10]})
    report({"starting": "check_consistency"})
    sample = projects[:CONSISTENCY_SAMPLE]
    problems = [f"row {r.project.row}: {p}" for r in engine.screen(sample) for p in check_consistency(r, engine.compiled)]
    report({"consistency_checked": len(sample), "consistency_problems": len(problems), "consistency_examples": problems[:10]})
    stage("write JSON", lambda: write_json(screening, out / f"{path.stem}.verdicts.json"))
    stage("write xlsx", lambda: write_xlsx(screening, out / f"{path.stem}.screened.xlsx"))


# ------------------------------------------------------------------------------ end to end

def screening_command() -> list[str]:
    """The installed `screening` command beside this interpreter, else the module run directly."""
    script = Path(sys.executable).parent / "screening"
    return [str(script)] if script.exists() else [sys.executable, "-c", "from screening.cli import main; main()"]


PSS_INTERVAL = 0.25  # the kernel walks the whole address space for smaps_rollup: not too often


def _pss(pid: int) -> int:
    """Proportional set size: pages shared with forked workers are counted once across the tree."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    m = re.search(r"^Pss:\s+(\d+) kB", text, re.M)
    return int(m.group(1)) * 1024 if m else 0


def run_e2e(path: Path, jobs: int, limit: float) -> dict:
    """`screening run` as a user runs it: xlsx in, annotated xlsx + JSON out, in a cold process.

    Wall time from starting the process to its exit. Memory: the peak over the run of the
    whole process tree's proportional set size (sampled every 250 ms; forked workers share
    the parent's pages, which resident sizes would count once per process), or the largest
    single process's peak resident size if that is higher.
    """
    out = OUT / "work" / f"e2e-{path.stem}"
    out.mkdir(parents=True, exist_ok=True)
    for old in out.iterdir():
        old.unlink()
    command = screening_command() + ["run", str(path), "--as-of", AS_OF.isoformat(), "--format", "xlsx,json",
                                     "--output-dir", str(out), "--jobs", str(jobs), "--quiet"]
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    peak, timed_out = 0, False
    while True:  # os.wait4 rather than proc.poll: it also gives the process's peak resident size
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() - start > limit and not timed_out:
            proc.kill()
            timed_out = True
        peak = max(peak, sum(_pss(p) for p in [proc.pid] + _children(proc.pid)))
        time.sleep(PSS_INTERVAL)
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
    seconds = time.perf_counter() - start
    peak = max(peak, usage.ru_maxrss * 1024)
    error = proc.stderr.read().strip()
    made = sorted(p.name for p in out.iterdir())
    wanted = [f"{path.stem}.screened.xlsx", f"{path.stem}.verdicts.json"]
    ok = status == 0 and not timed_out and all(name in made for name in wanted)
    result = {"e2e": seconds if ok else None, "e2e_peak": peak, "e2e_timed_out": timed_out, "e2e_outputs": made}
    if not ok and not timed_out:
        result["failed"] = (f"screening run exited with status {os.waitstatus_to_exitcode(status)}, wrote {made}: "
                            f"{error[-500:]}")
    return result


# ------------------------------------------------------------------------------ parent

def run_child(args: list[str], limit: float) -> tuple[list[dict], float, bool]:
    """Run this script as a child; (its reports, wall seconds from spawn to exit, timed out)."""
    command = [sys.executable, "-X", "faulthandler", str(Path(__file__).resolve())] + args
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    reports: list[dict] = []
    killed = threading.Event()

    def stop() -> None:
        killed.set()
        proc.kill()

    timer = threading.Timer(limit, stop)
    timer.start()
    try:
        for line in proc.stdout:
            if line.startswith("@@"):
                reports.append(json.loads(line[2:]))
        proc.wait()
    finally:
        timer.cancel()
    seconds = time.perf_counter() - start
    timed_out = killed.is_set()
    if proc.returncode != 0 and not timed_out:
        reports.append({"failed": f"exit status {proc.returncode}"})
    return reports, seconds, timed_out


def fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.1f} s"


def fmt_mem(size: int | None) -> str:
    if not size:
        return "–"
    return f"{size / 2**20:.0f} MB" if size < 2**30 else f"{size / 2**30:.2f} GB"


def measure(n: int, path: Path, jobs: int, log) -> dict:
    limit = budget(n)
    log(f"[{n:,}] stages (1 process, budget {limit:.0f} s)…")
    reports, _, timed_out = run_child(["--child-stages", str(path)], limit)
    result: dict = {"n": n, "stages": {}, "jobs": jobs}
    started = None
    for r in reports:
        if "stage" in r:
            result["stages"][r["stage"]] = {"seconds": r["seconds"], "peak": r["peak"]}
        elif "starting" in r:
            started = r["starting"]
        else:
            result.update(r)
    if timed_out:
        result["timed_out"] = started
        log(f"[{n:,}]   stopped after {limit:.0f} s in {started!r}")
    limit = budget_e2e(n)
    log(f"[{n:,}] end to end, --jobs {jobs} (cold process, budget {limit:.0f} s)…")
    result.update(run_e2e(path, jobs, limit))
    return result


def table(results: list[dict], jobs: int) -> list[str]:
    head = ["stage"] + [f"{r['n']:,} projects" for r in results]
    rows = [head, ["---"] + ["---"] * len(results)]

    def cell(seconds, peak, timed_out=False, limit=None):
        if timed_out:
            return f"> {limit:.0f} s (stopped)"
        if seconds is None:
            return "–"
        return f"{fmt_time(seconds)} · {fmt_mem(peak)}"

    for name in STAGES:
        row = [name]
        for r in results:
            s = r["stages"].get(name)
            stuck = r.get("timed_out") == name
            row.append(cell(s and s["seconds"], s and s["peak"], stuck, budget(r["n"])))
        rows.append(row)
    rows.append([f"**end to end** (`--jobs {jobs}`, cold process)"] +
                [cell(r.get("e2e"), r.get("e2e_peak"), r.get("e2e_timed_out"), budget_e2e(r["n"])) for r in results])
    rows.append(["reference (pandas: facts table + rules)"] +
                [f"{fmt_time(r['reference'])} ({fmt_time(r['reference_frame'])} + {fmt_time(r['reference_rules'])})"
                 if "reference" in r else "–" for r in results])
    rows.append(["engine ÷ reference"] + [ratio_text(r) for r in results])
    rows.append(["engine throughput"] + [f"{r['n'] / r['stages']['engine']['seconds']:,.0f} projects/s"
                                         if "engine" in r["stages"] else "–" for r in results])
    rows.append(["verdicts ≠ reference"] + [str(r["mismatches"]) if "mismatches" in r else "–" for r in results])
    rows.append(["check_consistency problems"] + [f"{r['consistency_problems']} of {r['consistency_checked']:,}"
                                                  if "consistency_problems" in r else "–" for r in results])
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    return ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |" for row in rows]


def ratio_text(r: dict) -> str:
    ratio = engine_ratio(r)
    return "–" if ratio is None else f"{ratio:.1f}×"


def engine_ratio(r: dict) -> float | None:
    if "engine" not in r["stages"] or not r.get("reference"):
        return None
    return r["stages"]["engine"]["seconds"] / r["reference"]


def targets(results: list[dict]) -> list[tuple[bool, str]]:
    by_n = {r["n"]: r for r in results}
    checks = []
    n, limit = TARGET_SMALL
    if n in by_n:
        r = by_n[n]
        e2e = r.get("e2e")
        checks.append((e2e is not None and e2e < limit,
                       f"{n:,} projects end to end (xlsx in → annotated xlsx + JSON out, cold process) < {limit:.0f} s: "
                       + (fmt_time(e2e) if e2e is not None else "did not finish")))
    n, limit, memory = TARGET_LARGE
    if n in by_n:
        r = by_n[n]
        e2e = r.get("e2e")
        checks.append((e2e is not None and e2e < limit,
                       f"{n:,} projects end to end < {limit:.0f} s: "
                       + (fmt_time(e2e) if e2e is not None else f"did not finish within {budget_e2e(n):.0f} s")))
        peak = r.get("e2e_peak")
        checks.append((e2e is not None and peak is not None and peak < memory,
                       f"{n:,} projects end to end, peak memory < {fmt_mem(memory)}: "
                       + (fmt_mem(peak) if e2e is not None else f"run did not finish (peak {fmt_mem(peak)})")))
    for r in results:
        ratio = engine_ratio(r)
        checks.append((ratio is not None and ratio <= TARGET_ENGINE_RATIO,
                       f"{r['n']:,} projects: engine stage within {TARGET_ENGINE_RATIO:.0f}× of the reference: "
                       + ("no figure" if ratio is None else f"{ratio:.1f}× "
                          f"({fmt_time(r['stages']['engine']['seconds'])} vs {fmt_time(r['reference'])})")))
    for r in results:
        if "mismatches" in r:
            checks.append((r["mismatches"] == 0 and not r.get("errors"),
                           f"{r['n']:,} projects: engine verdicts = reference verdicts: {r['mismatches']} mismatches"
                           + (f", {r['errors']} engine errors" if r.get("errors") else "")))
    return checks


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="make bench")
    parser.add_argument("--sizes", default=",".join(str(n) for n in SIZES))
    parser.add_argument("--jobs", type=int, default=None, help="processes for the end-to-end run (default: cores)")
    parser.add_argument("--render", type=Path, metavar="JSON", help="print the table of an earlier run's latest.json")
    parser.add_argument("--child-stages", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    def report(data: dict) -> None:
        print("@@" + json.dumps(data, ensure_ascii=False), flush=True)

    if args.child_stages:
        child_stages(args.child_stages, report)
        return 0

    sys.path.insert(0, str(ROOT))
    from bench.generate import SEED, ensure_ledger
    from screening.parallel import default_jobs

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    if args.render:
        earlier = json.loads(args.render.read_text(encoding="utf-8"))
        machine, results = earlier["machine"], earlier["results"]
        jobs = results[0]["jobs"] if results else 1
        end_load = earlier.get("end_load", float("nan"))
    else:
        jobs = args.jobs or default_jobs()
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        machine = (f"{os.cpu_count()} cores, Python {platform.python_version()}, load average {load:.2f} at start, "
                   f"end to end with --jobs {jobs}, as of {AS_OF}")
        log(f"bench: {machine}")
        paths = {n: ensure_ledger(n, log=log) for n in sizes}
        results = [measure(n, paths[n], jobs, log) for n in sizes]
        end_load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")

    lines = table(results, jobs)
    checks = targets(results)
    text = [f"Ledgers: bench/data/ledger-<n>.xlsx (bench/generate.py, seed {SEED}). Machine: {machine}; "
            f"load average {end_load:.2f} at the end.", "", "Each cell: wall time · peak resident memory.", ""]
    text += lines + ["", "Targets:"] + [f"  {'PASS' if ok else 'FAIL'}  {what}" for ok, what in checks]
    text += ["", "Verdicts:"] + [f"  {r['n']:,}: " + ", ".join(f"{k} {v:,}" for k, v in sorted(r["counts"].items()))
                                 for r in results if r.get("counts")]
    for r in results:
        if r.get("examples"):
            text += ["", f"Mismatches at {r['n']:,} (first 10):"] + [f"  {e}" for e in r["examples"]]
        if r.get("consistency_examples"):
            text += ["", f"check_consistency at {r['n']:,} (first 10):"] + [f"  {e}" for e in r["consistency_examples"]]
        if r.get("failed"):
            text += ["", f"{r['n']:,}: a child process failed ({r['failed']})"]
    print("\n".join(text))
    if args.render:
        return 0 if all(ok for ok, _ in checks) else 1
    OUT.mkdir(exist_ok=True)
    (OUT / "latest.md").write_text("\n".join(text) + "\n", encoding="utf-8")
    (OUT / "latest.json").write_text(json.dumps({"machine": machine, "end_load": end_load, "results": results,
                                                 "targets": [{"pass": ok, "target": what} for ok, what in checks]},
                                                ensure_ascii=False, indent=2), encoding="utf-8")
    return 0 if all(ok for ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
