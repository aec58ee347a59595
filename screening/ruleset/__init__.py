"""Rulesets as data: loading, type-checking and the condition language."""
from .checks import Problem, check_ruleset
from .loader import list_rulesets, load_ruleset, resolve_ruleset_path
from .model import Parameter, Rule, Ruleset

__all__ = ["Problem", "Parameter", "Rule", "Ruleset", "check_ruleset", "list_rulesets", "load_ruleset",
           "resolve_ruleset_path"]
