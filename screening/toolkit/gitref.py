"""`git:REV:path` ruleset references: the file as it was at a revision, with what it includes.

Includes are resolved relative to the including file, so the whole folder of the ruleset at
that revision is written to a temporary directory (then any include outside it), and the
ruleset is loaded from there like any other file.
"""
from __future__ import annotations

import posixpath
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import yaml

from ..errors import RulesetError

PREFIX = "git:"


def is_git_ref(ref: str) -> bool:
    return str(ref).startswith(PREFIX)


def parse(ref: str) -> tuple[str, str]:
    """`git:HEAD~1:rulesets/henan-2021.yaml` → ("HEAD~1", "rulesets/henan-2021.yaml")."""
    rev, sep, path = str(ref)[len(PREFIX):].partition(":")
    if not sep or not rev or not path:
        raise RulesetError(f"expected git:REV:path, e.g. git:HEAD~1:rulesets/henan-2021.yaml, got {ref!r}")
    return rev, path


@contextmanager
def materialise(ref: str, cwd: Path | None = None) -> Iterator[Path]:
    """The ruleset file of `ref` (a path, or git:REV:path) as a local path while the block runs."""
    if not is_git_ref(ref):
        yield Path(ref)
        return
    rev, path = parse(ref)
    cwd = Path(cwd or Path.cwd())
    top = Path(_git(cwd, "rev-parse", "--show-toplevel").strip())
    repo_path = _repo_path(cwd, top, path)
    _git(top, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}",
         error=f"git revision {rev!r} not found (a first commit has no HEAD~1)")
    workdir = Path(tempfile.mkdtemp(prefix="ruleset-git-"))
    try:
        folder = posixpath.dirname(repo_path)
        listed = _git(top, "ls-tree", "-r", "--name-only", rev, "--", folder or ".").splitlines()
        for name in listed if folder else [repo_path]:
            if name.endswith((".yaml", ".yml")):
                _fetch(top, rev, name, workdir)
        _fetch(top, rev, repo_path, workdir, required=True)
        _fetch_includes(top, rev, repo_path, workdir, seen=set())
        try:
            yield workdir / repo_path
        except RulesetError as error:
            raise _relabel(error, workdir, rev) from None
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _relabel(error: RulesetError, workdir: Path, rev: str) -> RulesetError:
    """An error about a materialised file names it as git:REV:path, not the temporary copy."""
    prefix, label = str(workdir) + "/", f"{PREFIX}{rev}:"
    file = str(error.file).replace(prefix, label) if error.file else None
    return RulesetError(error.message.replace(prefix, label), file=file, path=error.path, line=error.line,
                        column=error.column, hint=error.hint)


def _repo_path(cwd: Path, top: Path, path: str) -> str:
    """Like git: a path is relative to the repository's top, unless it starts with ./ or ../."""
    if path.startswith(("./", "../")):
        path = posixpath.relpath(posixpath.normpath((cwd.resolve() / path).as_posix()), top.resolve().as_posix())
    path = posixpath.normpath(path)
    if path.startswith("../") or path == "..":
        raise RulesetError(f"{path} is outside the git repository at {top}")
    return path


def _fetch(top: Path, rev: str, name: str, workdir: Path, required: bool = False) -> bool:
    target = workdir / name
    if target.exists():
        return True
    result = subprocess.run(["git", "show", f"{rev}:{name}"], cwd=top, capture_output=True)
    if result.returncode != 0:
        if required:
            detail = result.stderr.decode("utf-8", "replace").strip().splitlines()
            raise RulesetError(f"git show {rev}:{name} failed: {detail[-1] if detail else 'no such file'}")
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(result.stdout)
    return True


def _fetch_includes(top: Path, rev: str, name: str, workdir: Path, seen: set) -> None:
    if name in seen:
        return
    seen.add(name)
    try:
        data = yaml.safe_load((workdir / name).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return  # loading reports it, with the file's position
    includes = data.get("includes") if isinstance(data, dict) else None
    for include in includes or []:
        if not isinstance(include, str):
            continue
        target = posixpath.normpath(posixpath.join(posixpath.dirname(name), include))
        if target.startswith("../") or not _fetch(top, rev, target, workdir):
            continue  # loading reports the missing include where it is written
        _fetch_includes(top, rev, target, workdir, seen)


def _git(cwd: Path, *args: str, error: str | None = None) -> str:
    try:
        result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    except FileNotFoundError:
        raise RulesetError("git is not installed, so git:REV:path cannot be read") from None
    if result.returncode != 0:
        detail = (result.stderr.strip().splitlines() or [""])[-1]
        raise RulesetError(error or f"git {' '.join(args)} failed: {detail or 'not a git repository'}")
    return result.stdout
