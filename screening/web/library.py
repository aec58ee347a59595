"""The screening library as the web app uses it, behind one seam.

The app never imports the core at module import time: `real_library()` does it when the
first run starts, and tests may hand `create_app` a stand-in with the same five calls.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable


@dataclass
class Library:
    screen: Callable[..., Any]  # (path, *, ruleset, as_of, progress) -> Screening
    to_json_document: Callable[[Any], dict]
    write_xlsx: Callable[[Any, Any], Any]  # (screening, path)
    render_html: Callable[[Any], str]
    list_rulesets: Callable[[], list[dict]]
    error: type[BaseException] = Exception  # what the library raises for unreadable input


def real_library() -> Library:
    import screening
    from screening import report
    from screening.errors import ScreeningError

    return Library(screen=screening.screen, to_json_document=report.to_json_document,
                   write_xlsx=report.write_xlsx, render_html=report.render_html,
                   list_rulesets=screening.list_rulesets, error=ScreeningError)


class LazyLibrary:
    """Resolves `real_library()` on first use, so starting the app does not import pandas."""

    def __init__(self, factory: Callable[[], Library] = real_library):
        self._factory = factory
        self._lib: Library | None = None

    def get(self) -> Library:
        if self._lib is None:
            self._lib = self._factory()
        return self._lib

    def __getattr__(self, name: str) -> Any:
        return getattr(self.get(), name)
