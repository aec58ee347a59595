"""Screen "两高" project ledgers against policy rulesets, with cited verdicts.

    >>> import screening
    >>> run = screening.screen("ledger.xlsx", as_of=datetime.date(2021, 12, 31))
    >>> run.summary
"""
from .errors import EngineError, InputError, RulesetError, ScreeningError
from .issues import Issue
from .model import Finding, ProjectFacts, Screening, Verdict
from .pipeline import engine_for, screen, screen_projects
from .ruleset import check_ruleset, list_rulesets, load_ruleset

__version__ = "0.1.0"

__all__ = [
    "EngineError", "Finding", "InputError", "Issue", "ProjectFacts", "RulesetError", "Screening",
    "ScreeningError", "Verdict", "check_ruleset", "engine_for", "list_rulesets", "load_ruleset", "screen",
    "screen_projects",
]
