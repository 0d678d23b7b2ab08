"""Who is logged in, as a person sees it: role names, a one-line description, the toolbar button,
and the name the forms write into 检查人/调查人.

The identity itself (what the server said at the last login) lives in ``settings``; this module
shows it. The toolbar button names the user and role, says when nobody is logged in, and opens
the login dialog when clicked. ``ProjectUser`` keeps the forms' project variable in step with it.
"""

from __future__ import annotations

from collections.abc import Callable

from qgis.core import QgsApplication, QgsExpressionContextUtils, QgsProject
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import QToolButton, QWidget

from .. import settings
from ..model.schema import ROLE_LABELS
from ..settings import Identity
from . import tr


def role_label(role: str) -> str:
    """The role's name in the user's language (the model's labels)."""
    if role not in ROLE_LABELS:
        return role or tr("no role")
    zh, en = ROLE_LABELS[role]
    return zh if settings.language() == "zh" else en


def describe(who: Identity | None = None) -> str:
    """ "张三（技术员，360704）" or "not logged in"."""
    who = who or settings.identity()
    if not who.known:
        return tr("Not logged in")
    details = [role_label(who.role)]
    if who.counties:
        details.append(", ".join(who.counties))
    name = who.name if who.name == who.username else f"{who.name} ({who.username})"
    return tr("{0} ({1})").format(name, tr(", ").join(details))


class IdentityButton(QToolButton):
    """A toolbar button showing the logged-in user; a click opens the login dialog."""

    def __init__(self, on_click: Callable[[], object], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("ShuibaoIdentityButton")
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.clicked.connect(lambda _checked=False: on_click())
        settings.identity_changed().connect(self.refresh)
        self.refresh()

    def refresh(self, *_args) -> None:
        who = settings.identity()
        text = describe(who)
        self.setIcon(QgsApplication.getThemeIcon("/user.svg" if who.known else "/mIconWarning.svg"))
        self.setText(text)
        server = who.server or tr("no server set")
        self.setToolTip(tr("Logged in on {0} as {1}. Click to log in as someone else or to change the password.")
                        .format(server, text) if who.known else
                        tr("Nobody is logged in: the workflow buttons stay hidden. Click to log in."))  # fmt: skip

    def disconnect_all(self) -> None:
        try:
            settings.identity_changed().disconnect(self.refresh)
        except (TypeError, RuntimeError):
            pass


class ProjectUser:
    """Keeps the project variable the forms fill 检查人/调查人… from (layers.forms.USER_VARIABLE)
    the logged-in user's name, when the identity changes and when a project is read."""

    def __init__(self, project: QgsProject):
        self.project = project
        self._signals = ((settings.identity_changed(), self.update), (project.readProject, self.update))
        for signal, slot in self._signals:
            signal.connect(slot)
        self.update()

    def update(self, *_args) -> None:
        """Not a change of the user's: the project's "modified" flag stays as it was (a modified empty
        project at start-up would make QGIS ask whether to save it)."""
        from ..layers.forms import USER_VARIABLE

        name = settings.user_name()
        if QgsExpressionContextUtils.projectScope(self.project).variable(USER_VARIABLE) in (None, name):
            return  # no store opened yet (opening one sets it), or already right
        dirty = self.project.isDirty()
        QgsExpressionContextUtils.setProjectVariable(self.project, USER_VARIABLE, name)
        self.project.setDirty(dirty)

    def disconnect_all(self) -> None:
        for signal, slot in self._signals:
            try:
                signal.disconnect(slot)
            except (TypeError, RuntimeError):
                pass
