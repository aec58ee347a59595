"""The library's exceptions. The CLI and web layers catch ScreeningError only at the edge."""


class ScreeningError(Exception):
    """Base of every error this library raises on purpose; the message is for a person."""


class InputError(ScreeningError):
    """A ledger or region file that cannot be read at all (not a workbook, hostile, empty)."""


class RulesetError(ScreeningError):
    """A ruleset that does not load: names the file and the path inside it."""

    def __init__(self, message, *, file=None, path=None, line=None, column=None, hint=None):
        self.file, self.path, self.line, self.column, self.hint = file, path, line, column, hint
        where = str(file) if file else ""
        if line is not None:
            where += f":{line}" + (f":{column}" if column is not None else "")
        if path:
            where += f" at {path}"
        text = f"{where}: {message}" if where else message
        if hint:
            text += f" ({hint})"
        super().__init__(text)
        self.message = message


class EngineError(ScreeningError):
    """An action inside the rules engine failed for one project."""
