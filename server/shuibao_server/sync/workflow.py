"""What a user's role may do to a record: workflow steps and deletes.

The steps and who may take them are the domain model's (`shuibao.model`); this module applies
them to a change. Role rules (e.g. a record at a final step is read-only except to an admin,
deletes past draft are refused) belong here, called from the applier before anything changes.
"""

from __future__ import annotations

from collections import deque

from shuibao.model import rules
from shuibao.model.schema import RecordKind, Workflow

from ..auth import Principal
from .outcomes import Rejected, reject
from .records import Rec

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


def check_delete(kind: RecordKind, rec: Rec, principal: Principal) -> None:
    """Only a draft may be deleted (every workflow of the record at its first step), by its author or
    a technician; a registered object only by a technician (de-list it instead). The history keeps
    every deleted record. An admin may delete anything."""
    role = principal.role
    if role == "admin":
        return
    if kind.parent is None and kind.name != "photo" and role not in TOP_LEVEL_DELETE_ROLES:
        raise reject(
            None, "role", "只有技术员或管理员可以删除登记对象（请使用销号）",
            "only a technician or an admin may delete a registered object (de-list it instead)",
        )  # fmt: skip
    for wf in kind.workflows():
        step = rec.data.get(wf.state_field) or wf.initial
        if step != wf.initial:
            first, now = _label(wf, wf.initial), _label(wf, step)
            raise reject(
                wf.state_field, "delete_step", f"“{now}”的记录不能删除，只能删除“{first}”的记录（可先退回）",
                f"a record at step '{step}' cannot be deleted, only one at '{wf.initial}' (return it first)",
            )  # fmt: skip
    if rec.created_by != principal.username and role not in TOP_LEVEL_DELETE_ROLES:
        raise reject(
            None, "role", "只有创建人或技术员可以删除草稿", "only its author or a technician may delete a draft"
        )  # fmt: skip


def check_final(kind: RecordKind, before: dict, changed: set[str], role: str) -> None:
    """A record at its workflow's last step (signed, accepted, closed, submitted) is read-only except
    to an admin. A change may only take it back a step, where the workflow lets the role
    (`check_transitions` judges that); de-listed records are the applier's (edits become conflicts)."""
    wf = kind.workflow
    if role == "admin" or wf is None or wf.state_field == "register_status" or not changed:
        return
    step = before.get(wf.state_field) or wf.initial
    if step in wf.final and wf.state_field not in changed:
        now = _label(wf, step)
        raise reject(
            wf.state_field, "final_step", f"“{now}”的{kind.zh}只读，只有管理员可以修改",
            f"a {kind.en.lower()} at step '{step}' is read-only except to an admin",
        )  # fmt: skip


def _label(wf: Workflow, code: str) -> str:
    return next((st.zh for st in wf.steps if st.code == code), code)


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
