"""What a user's role may do to a record: workflow steps and deletes.

The steps and who may take them are the domain model's (`shuibao.model`); this module applies
them to a change. Role rules (e.g. a record at a final step is read-only except to an admin,
deletes past draft are refused) belong here, called from the applier before anything changes.
"""

from __future__ import annotations

from collections import deque

from shuibao.model import rules
from shuibao.model.schema import RecordKind

from .outcomes import Rejected, reject

TOP_LEVEL_DELETE_ROLES = ("technician", "admin")


def check_transitions(kind: RecordKind, before: dict, after: dict, role: str, insert: bool) -> None:
    """Rejected when a workflow field moves to a step the role may not reach."""
    problems = []
    for wf in kind.workflows():
        name = wf.state_field
        src = wf.initial if insert else (before.get(name) or wf.initial)
        dst = after.get(name) or wf.initial
        if src == dst or dst not in wf.step_codes():
            continue  # an unknown step is reported by validation as an enum problem
        if not _reachable(wf, src, dst, role):
            problems.append(_transition_problem(kind, wf, src, dst, role).as_dict())
    if problems:
        raise Rejected(problems)


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


def _reachable(workflow, source: str, target: str, role: str) -> bool:
    """Can `role` walk from `source` to `target` through transitions it may perform each?"""
    seen, todo = {source}, deque([source])
    while todo:
        step = todo.popleft()
        for tr in workflow.allowed(step, role):
            if tr.target == target:
                return True
            if tr.target not in seen:
                seen.add(tr.target)
                todo.append(tr.target)
    return False


def _transition_problem(kind: RecordKind, wf, src: str, dst: str, role: str) -> rules.Problem:
    p = rules.check_transition(kind, src, dst, role, state_field=wf.state_field)
    if p is None:  # a multi-step path whose first step the role may take, but not the rest
        p = rules.Problem(
            wf.state_field, "transition", f"不允许从“{src}”转到“{dst}”", f"no transition from '{src}' to '{dst}'"
        )
    return p
