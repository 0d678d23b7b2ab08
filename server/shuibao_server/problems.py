"""RFC 7807 problem details: every error answer of the API has this shape."""

from __future__ import annotations

from typing import Any

PROBLEM_BASE = "https://shuibao.example.org/problems/"


class ProblemError(Exception):
    """An error answer: HTTP status, a stable type slug, a title and per-field errors."""

    def __init__(
        self,
        status: int,
        slug: str,
        title: str,
        detail: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ):
        super().__init__(detail or title)
        self.status, self.slug, self.title, self.detail = status, slug, title, detail or title
        self.errors = errors or []
        self.headers = headers or {}
        self.extra = extra

    def body(self, instance: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": PROBLEM_BASE + self.slug,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "errors": self.errors,
        }
        if instance:
            out["instance"] = instance
        out.update(self.extra)
        return out


def error(field: str | None, code: str, zh: str, en: str) -> dict[str, Any]:
    return {"field": field, "code": code, "zh": zh, "en": en}


def not_found(what: str = "resource") -> ProblemError:
    return ProblemError(
        404, "not-found", "Not found", f"{what} not found or not in your counties",
        errors=[error(None, "not_found", "未找到该记录，或不在您负责的县内", "not found or not in your counties")],
    )  # fmt: skip
