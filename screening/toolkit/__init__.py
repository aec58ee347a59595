"""The ruleset maintainers' toolkit: `screening ruleset check | test | diff`.

check     schema and semantic checks of a ruleset file (semantic.py), each a Problem with file:line:col
test      the YAML cases beside a ruleset, with rule and stage-outcome coverage (coverage.py)
diff      two rulesets (paths or git:REV:path, gitref.py) over the same ledgers (diff.py)
"""
