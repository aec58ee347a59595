"""Screening in several processes: the engine and the verdicts of chunks of projects at once.

durable_rules holds the GIL in its C core, so threads give no speed-up; processes do. Each
worker builds its engine once (the same compiled ruleset the single-process path uses) and
screens contiguous chunks of projects; the parent puts the verdicts back in input order and
gives each its own ProjectFacts object again, so the result is the one a single process gives,
byte for byte once written (tests/test_parallel.py).

On Linux the workers are forked after the projects are in memory, so a task is only a range
of indices: nothing but the verdicts crosses a pipe, and this process screens a share of the
projects itself meanwhile (its verdicts are never pickled), so --jobs 2 forks one worker. Where fork is unavailable or unsafe (a
process with other threads running, e.g. the web app) they are spawned and each chunk of
projects is sent to them pickled.
"""
from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import threading
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Callable, Sequence

from .model import ProjectFacts, Verdict
from .ruleset import Ruleset

#: below this many projects per worker a second process costs more than it saves
MIN_PER_JOB = 400
CHUNKS_PER_JOB = 8  # small enough chunks to keep every worker busy to the end
PARENT_SHARE = 0.9  # of an equal share: the parent also unpickles the workers' verdicts

_projects: Sequence[ProjectFacts] | None = None  # inherited by forked workers
_engine = None  # each worker's own


def default_jobs() -> int:
    """The processes worth starting on this machine."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def screen_parallel(projects: Sequence[ProjectFacts], ruleset: Ruleset, as_of: dt.date, jobs: int,
                    progress: Callable[[int, int], None] | None = None) -> list[Verdict]:
    """Verdicts for `projects`, in their order, screened in up to `jobs` processes."""
    from .gcpause import paused_gc
    from .pipeline import engine_for, screen_projects

    projects = list(projects)
    total = len(projects)
    jobs = max(1, min(jobs, total // MIN_PER_JOB))
    if jobs == 1:
        return screen_projects(projects, engine_for(ruleset, as_of), progress=progress)
    forked = _can_fork()
    # Forked, this process screens a share itself (nothing to pickle for it) while jobs - 1
    # workers do the rest; it also unpickles their verdicts, so its share is a little smaller.
    own = int(total / jobs * PARENT_SHARE) if forked else 0
    workers = jobs - 1 if forked else jobs
    size = max(50, -(-(total - own) // (workers * CHUNKS_PER_JOB)))
    ranges = [(start, min(start + size, total)) for start in range(own, total, size)]
    context = multiprocessing.get_context("fork" if forked else "spawn")
    global _projects
    if forked:
        _projects = projects
    verdicts: list[Verdict | None] = [None] * total
    done = [0]

    def advance(count: int) -> None:
        done[0] += count
        if progress:
            progress(done[0], total)

    try:
        with paused_gc(), ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_worker,
                                              initargs=(ruleset, as_of)) as pool:
            pending = {pool.submit(_screen_range, start, end, None if forked else projects[start:end]): start
                       for start, end in ranges}
            if own:
                counted = [0]

                def own_progress(finished: int, _total: int) -> None:
                    advance(finished - counted[0])
                    counted[0] = finished

                verdicts[:own] = screen_projects(projects[:own], engine_for(ruleset, as_of), progress=own_progress)
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    start = pending.pop(future)
                    chunk = future.result()
                    for offset, verdict in enumerate(chunk):
                        verdict.project = projects[start + offset]
                        verdicts[start + offset] = verdict
                    advance(len(chunk))
    finally:
        _projects = None
    return verdicts  # type: ignore[return-value]


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def _start_worker(ruleset: Ruleset, as_of: dt.date) -> None:
    from .pipeline import engine_for

    global _engine
    _engine = engine_for(ruleset, as_of)


def _screen_range(start: int, end: int, chunk: Sequence[ProjectFacts] | None) -> list[Verdict]:
    """Screen projects[start:end] (or the chunk sent); verdicts go back without their projects."""
    from .gcpause import paused_gc
    from .pipeline import screen_projects

    if chunk is None:
        chunk = _projects[start:end]  # type: ignore[index]
    with paused_gc():  # the verdicts too: a worker holds nothing else
        verdicts = screen_projects(chunk, _engine)
    for verdict in verdicts:
        verdict.project = None  # the parent has it already: not worth pickling back
    return verdicts


def run_side_by_side(tasks: Sequence[Callable[[], None]], jobs: int) -> None:
    """Run the tasks (writing one output each) at once: all but the first in forked children.

    Used for the outputs of one run, which only read the screening. A child pauses cyclic
    garbage collection, which would otherwise touch, and so copy, every page of the parent's
    objects, and leaves by os._exit, skipping the interpreter's teardown for the same reason.
    Without fork, or with --jobs 1, the tasks run one after the other here.
    """
    if jobs < 2 or len(tasks) < 2 or not _can_fork():
        for task in tasks:
            task()
        return
    children = [_fork_task(task) for task in tasks[1:]]
    failure = None
    try:
        tasks[0]()
    finally:
        for pid in children:
            _, status = os.waitpid(pid, 0)
            if os.waitstatus_to_exitcode(status) != 0 and failure is None:
                failure = os.waitstatus_to_exitcode(status)
    if failure is not None:
        from .errors import ScreeningError

        raise ScreeningError(f"写出结果的子进程失败（退出码 {failure}）/ a process writing an output failed "
                             f"(exit status {failure})")


def _fork_task(task: Callable[[], None]) -> int:
    pid = os.fork()
    if pid:
        return pid
    import gc
    import sys

    gc.disable()
    code = 0
    try:
        task()
    except BaseException as error:  # reported by the parent's exit status; the reason goes to stderr here
        print(f"错误 / error: {error}", file=sys.stderr, flush=True)
        code = 1
    finally:
        sys.stdout.flush()
        os._exit(code)
