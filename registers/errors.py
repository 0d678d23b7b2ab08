"""The one error an import raises for the user: a message in Chinese and English."""

from __future__ import annotations


class ImportFailure(Exception):
    """The file cannot be imported as asked (unreadable, no such column, CRS unknown…).

    Rows that fail are not errors: they are rejected in the plan with their reasons.
    """

    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} ({en})")
        self.zh, self.en = zh, en

    def message(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en
