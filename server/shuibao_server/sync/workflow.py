"""What a user's role may do to a record: workflow steps and deletes.

The steps and who may take them are the domain model's (`shuibao.model`); this module applies
them to a change. Role rules (e.g. a record at a final step is read-only except to an admin,
deletes past draft are refused) belong here, called from the applier before anything changes.
"""

from __future__ import annotations

from shuibao.model import rules
from shuibao.model.schema import RecordKind, Workflow

from ..auth import Principal
from .outcomes import Rejected, reject
from .records import Rec


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


def check_delete(kind: RecordKind, rec: Rec, principal: Principal) -> None:
    """The model's delete rule (rules.check_delete): only a draft, by its author or a technician; a
    registered object only by a technician; an admin anything. The history keeps every deleted record."""
    problem = rules.check_delete(kind, {**rec.data, "created_by": rec.created_by}, principal.role, principal.username)
    if problem is not None:
        raise Rejected([problem.as_dict()])


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
