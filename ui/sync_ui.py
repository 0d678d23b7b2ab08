"""The sync actions of the plugin: "Sync", "Server and login…", "Resolve conflicts…".

``SyncUi`` owns its actions, the running task, the message-bar items and the Processing provider,
and ``unload()`` undoes all of it. The sync runs as a ``SyncTask`` in QGIS's task manager; its
progress shows in the message bar with a Cancel button, and the result as a summary (or a clear
error) in the user's language. Afterwards the store's layers are reloaded, the conflict layers
refreshed and ``on_synced(store_path, summary)`` called (the docks refresh on it).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

from qgis.core import Qgis, QgsApplication, QgsProject, QgsVectorLayer
from qgis.PyQt.QtWidgets import QAction, QFileDialog, QMessageBox, QProgressBar, QPushButton, QWidget

from .. import settings
from ..layers import conflicts as conflict_layers
from ..layers.project import STORE_PROPERTY, _norm, opened_stores, store_layers
from ..sync import credentials
from ..sync.engine import SyncSettings, SyncSummary
from ..sync.task import SyncTask
from . import tr
from .login_dialog import error_text

log = logging.getLogger(__name__)


class UiSyncTask(SyncTask):
    """The plugin's sync task: ``SyncTask`` (one ``run_sync``), keeping the exception for the message."""


def summary_text(summary: SyncSummary) -> str:
    photos = summary.photos_up + summary.photos_down
    text = tr("Sync finished: {0} sent, {1} received, {2} merged, {3} conflicts, {4} photos").format(
        summary.sent, summary.received, summary.merged, summary.conflicts, photos
    )
    if summary.rejected:
        text += tr("; {0} edits refused by the server (kept)").format(summary.rejected)
    return text


class SyncUi:
    """Sync actions, progress and results. ``plugin_actions_parent`` parents the QActions."""

    MENU = "Shuibao 水保巡检"

    def __init__(
        self,
        iface,
        plugin_actions_parent: QWidget | None = None,
        on_synced: Callable[[str, SyncSummary | None], None] | None = None,
        project: QgsProject | None = None,
    ):
        self.iface = iface
        self.parent = plugin_actions_parent or iface.mainWindow()
        self.on_synced = on_synced
        self._project = project
        self.actions: list[QAction] = []
        self.sync_action: QAction | None = None
        self.login_action: QAction | None = None
        self.conflicts_action: QAction | None = None
        self.rejected_action: QAction | None = None
        self._menu = None
        self._toolbar = None
        self._connections: list[tuple[object, object]] = []
        self.task: UiSyncTask | None = None
        self._task_connections: list[tuple[object, object]] = []
        self.progress_item = None
        self.progress_bar: QProgressBar | None = None
        self.last_message: str = ""
        self.last_summary: SyncSummary | None = None
        self.session_password: dict[str, str] = {}  # username → password, when not remembered
        self.dialog: QWidget | None = None
        self._provider = None
        self.open_record: Callable[[str, str], bool] | None = None  # the plugin shows a record in its dock
        self.identity_button = None  # who is logged in, on the toolbar
        self.identity_action: QAction | None = None

    @property
    def project(self) -> QgsProject:
        return self._project or QgsProject.instance()

    # -- wiring ----------------------------------------------------------------------------
    def _connect(self, signal, slot) -> None:
        signal.connect(slot)
        self._connections.append((signal, slot))

    def _add(self, theme_icon: str, text: str, name: str, slot, toolbar: bool = True) -> QAction:
        action = QAction(QgsApplication.getThemeIcon(theme_icon), text, self.parent)
        action.setObjectName(name)
        self._connect(action.triggered, slot)
        if isinstance(self._menu, str):
            self.iface.addPluginToMenu(self._menu, action)
        elif self._menu is not None:
            self._menu.addAction(action)
        if self._toolbar is not None and toolbar:
            self._toolbar.addAction(action)
        self.actions.append(action)
        return action

    def init_gui(self, menu=None, toolbar=None) -> None:
        """Add the actions to ``menu`` (a plugin-menu name or a QMenu) and ``toolbar``."""
        self._menu = self.MENU if menu is None else menu
        self._toolbar = toolbar
        self.sync_action = self._add("/mActionRefresh.svg", tr("Sync"), "ShuibaoSyncAction", self._on_sync)
        self.sync_action.setToolTip(tr("Send local edits to the server and receive the changes of others"))
        self.login_action = self._add("/locked.svg", tr("Server and login…"), "ShuibaoLoginAction", self.show_login)
        self.conflicts_action = self._add("/mIconWarning.svg", tr("Resolve conflicts…"), "ShuibaoConflictsAction",
                                          self.show_conflicts)  # fmt: skip
        self.rejected_action = self._add("/mTaskCancel.svg", tr("Refused edits…"), "ShuibaoRejectedAction",
                                         self.show_rejected, toolbar=False)  # fmt: skip
        if toolbar is not None:
            from .identity import IdentityButton

            self.identity_button = IdentityButton(self.show_login, toolbar)
            self.identity_action = toolbar.addWidget(self.identity_button)
            self.identity_action.setObjectName("ShuibaoIdentityAction")

    def init_processing(self) -> None:
        from ..sync.processing import register_provider

        self._provider = register_provider()

    def unload(self) -> None:
        if self.task is not None:
            self.task.on_finished = None
            self.task.cancel()
        self._drop_task()
        self._clear_progress()
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None
        for signal, slot in self._connections:
            try:
                signal.disconnect(slot)
            except (TypeError, RuntimeError):
                pass
        self._connections.clear()
        for action in self.actions:
            if isinstance(self._menu, str):
                self.iface.removePluginMenu(self._menu, action)
            elif self._menu is not None:
                self._menu.removeAction(action)
            if self._toolbar is not None:
                self._toolbar.removeAction(action)
            action.deleteLater()
        self.actions.clear()
        if self.identity_button is not None:
            self.identity_button.disconnect_all()
            if self._toolbar is not None:
                self._toolbar.removeAction(self.identity_action)
            self.identity_button.deleteLater()
            self.identity_button = self.identity_action = None
        self.sync_action = self.login_action = self.conflicts_action = self.rejected_action = None
        if self._provider is not None:
            from ..sync.processing import unregister_provider

            unregister_provider()
            self._provider = None
        self.on_synced = None

    # -- the store -------------------------------------------------------------------------
    def current_store(self) -> str | None:
        """The store open in the project: the active layer's, else the first one."""
        active = self.iface.activeLayer() if hasattr(self.iface, "activeLayer") else None
        if active is not None and active.customProperty(STORE_PROPERTY):
            path = str(active.customProperty(STORE_PROPERTY))
            if os.path.isfile(path):
                return path
        for path in opened_stores(self.project):
            if os.path.isfile(path):
                return path
        return None

    def _layers_of(self, store_path: str) -> list[QgsVectorLayer]:
        key = _norm(store_path)
        return [lyr for lyr in self.project.mapLayers().values()
                if isinstance(lyr, QgsVectorLayer) and lyr.customProperty(STORE_PROPERTY) == key]  # fmt: skip

    def reload_layers(self, store_path: str) -> int:
        """Drop the cached features of every layer of the store and repaint."""
        layers = self._layers_of(store_path)
        for layer in layers:
            selected = layer.selectedFeatureIds()  # a reload drops the selection; fids are stable
            layer.dataProvider().reloadData()
            if selected:
                layer.selectByIds(selected)
            layer.triggerRepaint()
        if self.iface.mapCanvas() is not None:
            self.iface.mapCanvas().refresh()
        return len(layers)

    # -- messages --------------------------------------------------------------------------
    def _bar(self):
        return self.iface.messageBar()

    def _push(self, text: str, level: Qgis.MessageLevel, duration: int = 0, button: tuple[str, Callable] | None = None):
        self.last_message = text
        bar = self._bar()
        widget = bar.createMessage(tr("Shuibao sync"), text)
        if button is not None:
            label, slot = button
            btn = QPushButton(label, widget)
            btn.clicked.connect(slot)
            widget.layout().addWidget(btn)
        bar.pushWidget(widget, level, duration)
        return widget

    def _show_progress(self, text: str) -> None:
        self._clear_progress()
        bar = self._bar()
        widget = bar.createMessage(tr("Shuibao sync"), text)
        widget.setObjectName("ShuibaoSyncProgress")
        progress = QProgressBar(widget)
        progress.setRange(0, 100)
        progress.setValue(0)
        progress.setMinimumWidth(220)
        progress.setMaximumWidth(320)
        cancel = QPushButton(tr("Cancel"), widget)
        cancel.setObjectName("ShuibaoSyncCancel")
        cancel.clicked.connect(self.cancel)
        widget.layout().addWidget(progress)
        widget.layout().addWidget(cancel)
        self.progress_item = bar.pushWidget(widget, Qgis.MessageLevel.Info, 0)
        self.progress_bar = progress

    def _clear_progress(self) -> None:
        if self.progress_item is not None:
            try:
                self._bar().popWidget(self.progress_item)
            except RuntimeError:  # already deleted by the bar
                pass
        self.progress_item = None
        self.progress_bar = None

    def _set_progress(self, value: float) -> None:
        if self.progress_bar is not None:
            self.progress_bar.setValue(int(value))

    # -- actions ---------------------------------------------------------------------------
    def _credentials(self) -> dict[str, str]:
        creds = credentials.load()
        if not creds["password"] and creds["username"] in self.session_password:
            creds["password"] = self.session_password[creds["username"]]
        creds["url"] = credentials.server_url()
        return creds

    def _on_sync(self, *_args) -> None:
        self.sync()

    def sync(self, store_path: str | None = None) -> bool:
        """The Sync action: sync the open store, or offer a first sync when none is open."""
        if self.task is not None:
            self._push(tr("A sync is already running."), Qgis.MessageLevel.Info, 3)
            return False
        path = store_path or self.current_store()
        creds = self._credentials()
        if not creds["url"] or not creds["username"] or not (creds["password"] or creds["token"]):
            if not self.show_login(store_path=path):
                return False
            creds = self._credentials()
        if path is None:
            return self.offer_first_sync(creds)
        return self.start_sync(path, creds["url"], creds["username"], creds["password"] or None,
                               creds["token"] or None)  # fmt: skip

    def _unsaved_layers(self, store_path: str) -> list[str]:
        return [lyr.name() for lyr in self._layers_of(store_path) if lyr.isEditable() and lyr.isModified()]

    def start_sync(
        self,
        store_path: str,
        url: str,
        username: str | None,
        password: str | None = None,
        token: str | None = None,
        first: bool = False,
    ) -> bool:
        """Start a SyncTask for the store (or a first sync into a new store file)."""
        if self.task is not None:
            return False
        if not first:
            unsaved = self._unsaved_layers(store_path)
            if unsaved:
                self._push(tr("Save or discard the edits of {0} first: unsaved edits are not synchronised.")
                           .format(", ".join(unsaved)), Qgis.MessageLevel.Warning, 8)  # fmt: skip
                return False
        settings = SyncSettings(download_photos=credentials.download_photos())
        task = UiSyncTask(store_path, url, username=username, password=password, token=token, settings=settings,
                          on_finished=None, first=first)  # fmt: skip
        task.on_finished = lambda summary, error, t=task: self._finished(t, summary, error)
        self.task = task
        self._task_connections = [(task.progressChanged, self._set_progress)]
        task.progressChanged.connect(self._set_progress)
        self._show_progress(
            tr("Downloading your counties into {0}…").format(os.path.basename(store_path))
            if first
            else tr("Synchronising {0} with {1}…").format(os.path.basename(store_path), url)
        )
        if self.sync_action is not None:
            self.sync_action.setEnabled(False)
        QgsApplication.taskManager().addTask(task)
        return True

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()

    def _drop_task(self) -> None:
        for signal, slot in self._task_connections:
            try:
                signal.disconnect(slot)
            except (TypeError, RuntimeError):
                pass
        self._task_connections = []
        self.task = None
        if self.sync_action is not None:
            self.sync_action.setEnabled(True)

    def _finished(self, task: UiSyncTask, summary: SyncSummary | None, error: str | None) -> None:
        self._drop_task()
        self._clear_progress()
        self.last_summary = summary
        path = task.store_path
        if task.new_token and task.username:
            try:
                credentials.store(task.username, token=task.new_token, url=task.server_url)
            except RuntimeError as exc:
                log.warning("token not saved: %s", exc)
        if task.user:
            settings.remember_identity(task.server_url, task.user)  # a role changed on the server shows now
        if task.first and error is None and summary is not None and not summary.cancelled:
            self._open_new_store(path)
        if error is not None or summary is None:
            self._report_error(task, error)
        elif summary.cancelled:
            self._push(tr("Sync cancelled. Nothing is lost: the next sync continues where this one stopped."),
                       Qgis.MessageLevel.Warning, 8)  # fmt: skip
        else:
            text = summary_text(summary)
            if summary.conflicts:
                self._push(text, Qgis.MessageLevel.Warning, 0, (tr("Resolve conflicts…"), self.show_conflicts))
            elif summary.rejected:
                self._push(text, Qgis.MessageLevel.Warning, 0, (tr("Refused edits…"), self.show_rejected))
            elif summary.errors:
                self._push(text, Qgis.MessageLevel.Warning, 12)
            else:
                self._push(text, Qgis.MessageLevel.Success, 8)
            for err in summary.errors:
                log.warning("sync: %s", err)
        opened = task.first and error is None and summary is not None and not summary.cancelled
        if (not task.first or opened) and os.path.isfile(path):
            self._after_sync(path, summary)

    def _report_error(self, task: UiSyncTask, error: str | None) -> None:
        from ..sync.api import AuthError

        text = error_text(task.exception, error)
        if isinstance(task.exception, AuthError):
            self._push(text, Qgis.MessageLevel.Critical, 0, (tr("Log in…"), self.show_login))
        else:
            self._push(text, Qgis.MessageLevel.Critical, 0,
                       (tr("Retry"), lambda *_: self.sync(None if task.first else task.store_path)))  # fmt: skip

    def _after_sync(self, path: str, summary: SyncSummary | None) -> None:
        try:
            if store_layers(self.project, path):
                conflict_layers.add_conflict_layer(path, self.project)
        except Exception as exc:  # a map decoration must not hide the sync result
            log.warning("conflict layer: %s", exc)
        self.reload_layers(path)
        if self.on_synced is not None:
            self.on_synced(path, summary)

    # -- first sync ------------------------------------------------------------------------
    def download_county(self, *_args) -> bool:
        """连接服务器并下载本县数据: log in, choose where the new store goes, download into it; the
        store opens (and the docks fill) when the download is done."""
        if self.task is not None:
            self._push(tr("A sync is already running."), Qgis.MessageLevel.Info, 3)
            return False
        if not self.show_login():
            return False
        return self._first_sync(self._credentials())

    def offer_first_sync(self, creds: dict[str, str]) -> bool:
        answer = QMessageBox.question(
            self.iface.mainWindow(), tr("Shuibao sync"),
            tr("No store is open. Download your counties from {0} into a new store file?").format(creds["url"]),
        )  # fmt: skip
        if answer != QMessageBox.StandardButton.Yes:
            return False
        if not creds["password"]:
            if not self.show_login():
                return False
            creds = self._credentials()
        return self._first_sync(creds)

    def _first_sync(self, creds: dict[str, str]) -> bool:
        path = self._new_store_path()
        if path is None:
            return False
        return self.start_sync(path, creds["url"], creds["username"], creds["password"] or None, None, first=True)

    def _new_store_path(self) -> str | None:
        """Ask where the new store goes (suggested: beside the last store, named after the counties)."""
        who = settings.identity()
        last = settings.last_store_path()
        folder = os.path.dirname(last) if last else os.path.join(os.path.expanduser("~"), "Shuibao")
        os.makedirs(folder, exist_ok=True)
        name = f"shuibao-{'-'.join(who.counties) or who.username or 'store'}.gpkg"
        path, _f = QFileDialog.getSaveFileName(self.iface.mainWindow(), tr("New Shuibao store"),
                                               os.path.join(folder, name), tr("Shuibao store (*.gpkg)"))  # fmt: skip
        if not path:
            return None
        if not path.lower().endswith(".gpkg"):
            path += ".gpkg"
        if os.path.exists(path):
            self._push(tr("{0} already exists: choose a new file name for the new store.").format(path),
                       Qgis.MessageLevel.Warning, 8)  # fmt: skip
            return None
        return path

    def _open_new_store(self, path: str) -> None:
        from .open_store import open_store

        open_store(self.iface, path, self.project)

    # -- dialogs ---------------------------------------------------------------------------
    def show_login(self, *_args, store_path: str | None = None) -> bool:
        from .login_dialog import LoginDialog

        dialog = LoginDialog(self.iface.mainWindow(), store_path=store_path or self.current_store())
        self.dialog = dialog
        try:
            ok = dialog.exec_() == LoginDialog.DialogCode.Accepted
            if ok and dialog.password_for_session:
                self.session_password[dialog.user_edit.text().strip()] = dialog.password_for_session
            if ok:
                from .identity import describe

                self._push(tr("Logged in: {0}").format(describe()), Qgis.MessageLevel.Success, 5)
            return ok
        finally:
            self.dialog = None
            dialog.deleteLater()

    def show_conflicts(self, *_args) -> None:
        from .conflict_dialog import ConflictDialog

        path = self.current_store()
        if path is None:
            self._push(tr("Open a store first."), Qgis.MessageLevel.Info, 5)
            return
        dialog = ConflictDialog(path, self.iface.mainWindow(), on_resolved=lambda _n: self._resolved(path))
        self.dialog = dialog
        try:
            dialog.exec_()
        finally:
            self.dialog = None
            dialog.deleteLater()

    def show_rejected(self, *_args) -> None:
        """被拒绝的修改: the edits the server refused, to fix and send again, or give up."""
        from .rejected_dialog import RejectedDialog

        path = self.current_store()
        if path is None:
            self._push(tr("Open a store first."), Qgis.MessageLevel.Info, 5)
            return
        dialog = RejectedDialog(path, self.iface.mainWindow(), on_open=self._open_record,
                                on_changed=lambda: self._resolved(path))  # fmt: skip
        self.dialog = dialog
        try:
            dialog.exec_()
        finally:
            self.dialog = None
            dialog.deleteLater()

    def _open_record(self, kind: str, uuid: str) -> None:
        if self.open_record is None or not self.open_record(kind, uuid):
            self._push(tr("The record is not in the open store's layers."), Qgis.MessageLevel.Warning, 6)

    def _resolved(self, path: str) -> None:
        conflict_layers.refresh_conflict_layers(path, self.project)
        self.reload_layers(path)
        if self.on_synced is not None:
            self.on_synced(path, None)
