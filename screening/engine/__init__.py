"""The rules engine: compiles a ruleset to durable_rules and screens projects with it."""
from .compile import CompiledRuleset, compile_ruleset
from .runner import Engine, ProjectResult, RuleResult

__all__ = ["CompiledRuleset", "Engine", "ProjectResult", "RuleResult", "compile_ruleset"]
