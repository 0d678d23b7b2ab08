"""The "Server and login…" dialog: server URL, user name, password, "remember password", test
connection, who is logged in, and changing one's own password.

Secrets never go to plain settings: the user name, the token (and the password when "remember" is
ticked) are written to the QGIS authentication database through ``sync.credentials``; only the
server URL, the auth config id and what the server said about the user (name, role, counties:
``settings.remember_identity``) are kept in QgsSettings. Network calls run in QgsTasks.
"""

from __future__ import annotations

import socket
import uuid as uuidlib
from collections.abc import Callable

from qgis.core import Qgis, QgsApplication, QgsSettings
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .. import settings
from ..model import MODEL_VERSION
from ..model.version import is_compatible
from ..sync import credentials
from ..sync.api import ApiClient, AuthError, ModelVersionError, NetworkError, SyncError
from . import tr
from .identity import describe
from .tasks import CallTask

KEY_LOGIN_CLIENT = "shuibao/login_client_id"


def error_text(exc: BaseException | None, fallback: str | None = None) -> str:
    """A clear message in the user's language for a sync/login failure."""
    if isinstance(exc, NetworkError):
        return tr("Cannot reach the server. Check the network connection and the server URL, then try again.")
    if isinstance(exc, AuthError):
        return tr("Login failed: wrong user name or password, or the login has expired. Log in again.")
    if isinstance(exc, ModelVersionError):
        return tr("The plugin's data model ({0}) is incompatible with the server's. Nothing was written and your "
                  "edits are kept; update the plugin or the server.").format(MODEL_VERSION)  # fmt: skip
    if isinstance(exc, SyncError):
        return exc.user_message()
    if exc is not None:
        return str(exc)
    return fallback or tr("Unknown error")


def login_client_id() -> str:
    """A per-laptop client id for logins made outside a store (no store open yet)."""
    s = QgsSettings()
    value = str(s.value(KEY_LOGIN_CLIENT, "", type=str) or "")
    if not value:
        value = "login-" + str(uuidlib.uuid4())
        s.setValue(KEY_LOGIN_CLIENT, value)
    return value


def login_for_store(
    url: str, username: str, password: str, store_path: str | None, new_password: str | None = None
) -> dict:
    """Log in (in a worker thread), then change the password when `new_password` is given.

    With a store, the token is bound to that store's client id. Returns the token and what the
    server says about the user (``/auth/me``: username, role, counties).
    """
    api = ApiClient(url, retries=1)
    try:
        api.check_model()
        if store_path:
            from ..sync.engine import SyncEngine

            with SyncEngine(store_path, api, username=username, password=password) as engine:
                engine.login()
        else:
            api.login(username, password, login_client_id(), device_name=socket.gethostname())
        user = api.user or api.me()  # the login's answer, or /auth/me when the store's login fetched it
        if new_password is not None:
            api.change_password(password, new_password)  # this token stays valid, the others are revoked
        return {"token": api.token, "username": user.get("username", username), "user": user}
    finally:
        api.close()


def _pending(store_path: str | None) -> int:
    if not store_path:
        return 0
    from ..layers.store import Store

    return len({(c.kind, c.uuid) for c in Store(store_path).pending_changes()})


class _TaskDialog(QDialog):
    """A dialog that runs its server call in a QgsTask (``self.task``), cancelled when it closes."""

    task: CallTask | None = None

    def wait(self) -> None:
        """Block until a running task ended (tests only)."""
        if self.task is not None:
            self.task.waitForFinished(30000)

    def done(self, result: int) -> None:  # noqa: D401 - Qt API
        if self.task is not None:
            self.task.cancel()
        super().done(result)


class LoginDialog(_TaskDialog):
    """Edit the server URL and log in. ``accepted`` only after a successful login."""

    def __init__(self, parent: QWidget | None = None, store_path: str | None = None):
        super().__init__(parent)
        self.setObjectName("ShuibaoLoginDialog")
        self.setWindowTitle(tr("Shuibao server and login"))
        self.store_path = store_path
        self.task: CallTask | None = None
        self.token: str | None = None
        self.password_for_session: str | None = None
        self.password_dialog: PasswordDialog | None = None

        saved = credentials.load()
        self.url_edit = QLineEdit(credentials.server_url())
        self.url_edit.setPlaceholderText("https://shuibao.example.cn")
        self.user_edit = QLineEdit(saved["username"])
        self.password_edit = QLineEdit(saved["password"])
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.remember_box = QCheckBox(tr("Remember the password (in the QGIS authentication database)"))
        self.remember_box.setChecked(bool(saved["password"]))
        self.test_button = QPushButton(tr("Test connection"))
        self.password_button = QPushButton(tr("Change password…"))
        self.password_button.setObjectName("ShuibaoChangePasswordButton")
        self.logout_button = QPushButton(tr("Log out"))
        self.logout_button.setObjectName("ShuibaoLogoutButton")
        self.who_label = QLabel()
        self.who_label.setObjectName("ShuibaoWhoLabel")
        self.who_label.setWordWrap(True)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_label.setMinimumHeight(40)

        form = QFormLayout()
        form.addRow(tr("Logged in"), self.who_label)
        form.addRow(tr("Server URL"), self.url_edit)
        form.addRow(tr("User name"), self.user_edit)
        form.addRow(tr("Password"), self.password_edit)
        form.addRow("", self.remember_box)
        row = QHBoxLayout()
        row.addWidget(self.test_button)
        row.addWidget(self.password_button)
        row.addWidget(self.logout_button)
        row.addStretch(1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Log in"))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(row)
        layout.addWidget(self.status_label)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)

        self.test_button.clicked.connect(self.test_connection)
        self.password_button.clicked.connect(self.change_password)
        self.logout_button.clicked.connect(self.log_out)
        self.buttons.accepted.connect(self.log_in)
        self.buttons.rejected.connect(self.reject)
        self.url_edit.textChanged.connect(self._show_who)
        self._show_who()

    # -- state -----------------------------------------------------------------------------
    def url(self) -> str:
        return self.url_edit.text().strip().rstrip("/")

    def _show_who(self, *_args) -> None:
        who = settings.identity(self.url())
        if who.known:
            text = describe(who)
        else:
            text = tr("nobody on this server yet: log in with the account the county centre gave you")
        self.who_label.setText(text)
        self.logout_button.setVisible(who.known)

    def _busy(self, busy: bool) -> None:
        self.test_button.setEnabled(not busy)
        self.password_button.setEnabled(not busy)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not busy)

    def _status(self, text: str, level: Qgis.MessageLevel = Qgis.MessageLevel.Info) -> None:
        colour = {Qgis.MessageLevel.Critical: "#b00020", Qgis.MessageLevel.Success: "#1b7d1b",
                  Qgis.MessageLevel.Warning: "#a05a00"}.get(level, "")  # fmt: skip
        self.status_label.setStyleSheet(f"color: {colour};" if colour else "")
        self.status_label.setText(text)

    def _run(self, description: str, func: Callable[[], object], done: Callable) -> None:
        def finish(result, exc):
            self.task = None
            self._busy(False)
            done(result, exc)

        self._busy(True)
        self.task = CallTask(description, func, finish)
        QgsApplication.taskManager().addTask(self.task)

    # -- test connection -------------------------------------------------------------------
    def test_connection(self) -> None:
        url = self.url()
        if not url:
            self._status(tr("Enter the server URL first."), Qgis.MessageLevel.Warning)
            return
        self._status(tr("Connecting to {0}…").format(url))

        def fetch() -> dict:
            api = ApiClient(url, retries=1, timeout=(5.0, 15.0))
            try:
                return api.info()
            finally:
                api.close()

        self._run(tr("Shuibao: test connection"), fetch, self._tested)

    def _tested(self, info, exc) -> None:
        if exc is not None:
            self._status(error_text(exc), Qgis.MessageLevel.Critical)
            return
        server = str((info or {}).get("model_version", "?"))
        if is_compatible(MODEL_VERSION, server):
            self._status(tr("Connected. Server data model {0}: compatible with this plugin ({1}).")
                         .format(server, MODEL_VERSION), Qgis.MessageLevel.Success)  # fmt: skip
        else:
            self._status(tr("Connected, but the server's data model {0} is NOT compatible with this plugin ({1}): "
                            "update the plugin or the server.").format(server, MODEL_VERSION),
                         Qgis.MessageLevel.Critical)  # fmt: skip

    # -- log in ----------------------------------------------------------------------------
    def log_in(self) -> None:
        url, user, password = self.url(), self.user_edit.text().strip(), self.password_edit.text()
        if not url or not user or not password:
            self._status(tr("Enter the server URL, the user name and the password."), Qgis.MessageLevel.Warning)
            return
        self._status(tr("Logging in to {0}…").format(url))
        store = self.store_path
        self._run(tr("Shuibao: log in"), lambda: login_for_store(url, user, password, store), self._logged_in)

    def _logged_in(self, result, exc) -> None:
        if exc is not None:
            self._status(error_text(exc), Qgis.MessageLevel.Critical)
            return
        self.save(result["token"], result["user"])
        self.accept()

    def save(self, token: str | None, user: dict | None = None) -> str:
        """Write URL and identity (settings) and user/token/password (auth DB). Returns the auth config id."""
        credentials.set_server_url(self.url())
        remember = self.remember_box.isChecked()
        password = self.password_edit.text()
        self.token = token
        self.password_for_session = password
        # An empty password clears a previously remembered one.
        cfg = credentials.store(self.user_edit.text().strip(), password if remember else "", token, url=self.url())
        if user:
            settings.remember_identity(self.url(), user)
        self._show_who()
        return cfg

    # -- log out ---------------------------------------------------------------------------
    def log_out(self) -> bool:
        """Forget the login on this computer (and revoke its token when the server answers)."""
        url, who = self.url(), settings.identity(self.url())
        text = tr("Log {0} out on this computer? The saved login is removed and the workflow buttons stay hidden "
                  "until someone logs in.").format(describe(who))  # fmt: skip
        pending = _pending(self.store_path)
        if pending:
            text += "\n\n" + tr(
                "{0} edits in the open store are not synced yet: whoever logs in next sends them."
            ).format(pending)
        answer = QMessageBox.question(self, tr("Log out"), text)
        if answer != QMessageBox.StandardButton.Yes:
            return False
        token = credentials.load()["token"]

        def revoke() -> None:
            api = ApiClient(url, token, retries=0, timeout=(3.0, 10.0))
            try:
                api.logout()
            finally:
                api.close()

        credentials.forget()
        settings.forget_identity(url)
        self.password_edit.clear()
        self._show_who()
        self._status(tr("Logged out."), Qgis.MessageLevel.Success)
        if token:  # best effort: offline, the token simply expires on the server
            self._run(tr("Shuibao: log out"), revoke, lambda _r, _e: None)
        return True

    # -- change password -------------------------------------------------------------------
    def change_password(self) -> bool:
        """Ask for the current and the new password, change it on the server, stay logged in."""
        url, user = self.url(), self.user_edit.text().strip()
        if not url or not user:
            self._status(tr("Enter the server URL and the user name first."), Qgis.MessageLevel.Warning)
            return False
        dialog = PasswordDialog(self, url, user, self.password_edit.text(), self.store_path)
        self.password_dialog = dialog
        try:
            if dialog.exec_() != QDialog.DialogCode.Accepted:
                return False
        finally:
            self.password_dialog = None
            dialog.deleteLater()
        self.password_edit.setText(dialog.new_edit.text())
        self.save(dialog.result_login["token"], dialog.result_login["user"])
        self._status(tr("Password changed. You stay logged in; other devices of this account must log in again "
                        "with the new password."), Qgis.MessageLevel.Success)  # fmt: skip
        return True


class PasswordDialog(_TaskDialog):
    """Current password, new password twice; the server decides whether the new one is strong enough."""

    def __init__(self, parent: QWidget | None, url: str, username: str, current: str = "",
                 store_path: str | None = None):  # fmt: skip
        super().__init__(parent)
        self.setObjectName("ShuibaoPasswordDialog")
        self.setWindowTitle(tr("Change password of {0}").format(username))
        self.url, self.username, self.store_path = url, username, store_path
        self.task: CallTask | None = None
        self.result_login: dict = {}
        self.old_edit, self.new_edit, self.repeat_edit = (QLineEdit(current), QLineEdit(), QLineEdit())
        for edit in (self.old_edit, self.new_edit, self.repeat_edit):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        hint = QLabel(tr("At least 8 characters, not your user name and not the current password."))
        hint.setWordWrap(True)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setMinimumHeight(36)
        form = QFormLayout()
        form.addRow(tr("Current password"), self.old_edit)
        form.addRow(tr("New password"), self.new_edit)
        form.addRow(tr("New password again"), self.repeat_edit)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Change password"))
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(tr("Server {0}, user {1}").format(url, username)))
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.status_label)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        (self.new_edit if current else self.old_edit).setFocus()

    def _error(self, text: str) -> None:
        self.status_label.setStyleSheet("color: #b00020;")
        self.status_label.setText(text)

    def submit(self) -> None:
        old, new = self.old_edit.text(), self.new_edit.text()
        if not old or not new:
            self._error(tr("Enter the current password and the new one."))
            return
        if new != self.repeat_edit.text():
            self._error(tr("The two new passwords differ: type the new password twice the same."))
            self.repeat_edit.selectAll()
            self.repeat_edit.setFocus()
            return
        self.status_label.setStyleSheet("")
        self.status_label.setText(tr("Changing the password on {0}…").format(self.url))
        self.buttons.setEnabled(False)
        url, user, store = self.url, self.username, self.store_path
        self.task = CallTask(tr("Shuibao: change password"),
                             lambda: login_for_store(url, user, old, store, new_password=new), self._changed)  # fmt: skip
        QgsApplication.taskManager().addTask(self.task)

    def _changed(self, result, exc) -> None:
        self.task = None
        self.buttons.setEnabled(True)
        if exc is not None:
            if isinstance(exc, AuthError):  # the login with the current password failed
                self._error(tr("The user name or the current password is wrong."))
            else:
                self._error(error_text(exc))
            return
        self.result_login = result
        self.accept()
