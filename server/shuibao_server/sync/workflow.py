"""What a user's role may do to a record: workflow steps and deletes.

The steps and who may take them are the domain model's (`shuibao.model`); this module applies
them to a change. Role rules (e.g. a record at a final step is read-only except to an admin,
deletes past draft are refused) belong here, called from the applier before anything changes.
"""

from __future__ import annotations

from shuibao.model import rules
from shuibao.model.schema import RecordKind

from .outcomes import Rejected, reject

TOP_LEVEL_DELETE_ROLES = ("technician", "admin")


def check_transitions(kind: RecordKind, before: dict, after: dict, role: str, insert: bool) -> None:
    """Rejected when a workflow field moves to a step the role may not reach (model.rules)."""
    problems = rules.step_problems(kind, None if insert else before, after, role)
    if problems:
        raise Rejected([p.as_dict() for p in problems])


def check_writer(kind: RecordKind, role: str) -> None:
    """Rejected when the kind may be written only by other roles (e.g. targets: technicians, admins)."""
    problem = rules.check_writer(kind, role)
    if problem is not None:
        raise Rejected([problem.as_dict()])


def check_delete(kind: RecordKind, role: str) -> None:
    """Registered objects (top-level kinds) are de-listed, not deleted, except by a technician or admin."""
    if kind.parent is None and kind.name != "photo" and role not in TOP_LEVEL_DELETE_ROLES:
        raise reject(
            None, "role", "只有技术员或管理员可以删除登记对象（请使用销号）",
            "only a technician or an admin may delete a registered object (de-list it instead)",
        )  # fmt: skip
