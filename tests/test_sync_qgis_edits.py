"""QGIS commits edits to the store while a sync writes it in a QgsTask: every commit succeeds.

QGIS's OGR provider commits in a deferred transaction that reads before it writes; a sync commit in
between made SQLite refuse the QGIS write at once ("database is locked"). The edits here go
through the layer editing API a user's tools use, on the layers the plugin loads, in many rounds
while the task pulls pages of other people's edits; what was typed is then on the server.
"""

from __future__ import annotations

import time

import pytest
import shuibao_sync_harness as h
from qgis.core import QgsApplication, QgsGeometry, QgsPointXY, QgsProject, QgsTask
from shuibao.layers.project import open_store_in_project
from shuibao.sync.engine import SyncSettings
from shuibao.sync.task import SyncTask

pg_cluster, backend = h.pg_cluster, h.backend
DAMS, ROUNDS, PAGE = 800, 6, 100


@pytest.fixture
def server(backend, request, tmp_path):
    srv = h.server_for(backend, request, tmp_path / "server")
    for name in ("ann", "bob"):
        srv.add_user(name)
    srv.start()
    yield srv
    srv.stop()


def _run_task(task: SyncTask, edit) -> int:
    """Start the task and call ``edit()`` while it runs; returns how many edits ran during the sync."""
    QgsApplication.taskManager().addTask(task)
    during = 0
    deadline = time.time() + 120
    while task.status() not in (QgsTask.Complete, QgsTask.Terminated):
        assert time.time() < deadline, "sync task did not finish"
        if task.status() == QgsTask.Running:
            edit()
            during += 1
        QgsApplication.processEvents()
        time.sleep(0.01)  # a person types between commits
    QgsApplication.processEvents()  # finished() runs on the main thread
    return during


def test_qgis_commits_while_a_sync_task_writes(server, tmp_path, qgis_new_project):
    ann, bob = h.new_store(tmp_path / "ann.gpkg"), h.new_store(tmp_path / "bob.gpkg")
    dams = [h.dam(name=f"坝{i}") for i in range(DAMS)]
    ann.insert_records("dam", dams)
    h.sync(ann, server, "ann")
    h.sync(bob, server, "bob")
    layer = open_store_in_project(str(bob.path), QgsProject.instance(), language="zh")["dam"]
    fids = {f["uuid"]: f.id() for f in layer.getFeatures()}
    name, height = layer.fields().indexOf("name"), layer.fields().indexOf("dam_height")
    typed: dict[str, str] = {}  # uuid -> name typed in QGIS on bob's laptop
    refused: list[str] = []
    during_sync = 0
    for r in range(ROUNDS):
        conn = ann.connect()  # ann edits every dam, so bob's sync pulls pages while bob types
        with conn:
            conn.executemany("UPDATE dam SET dam_height = ? WHERE uuid = ?", [(float(r), d["uuid"]) for d in dams])
        conn.close()
        h.sync(ann, server, "ann")

        def edit(r=r) -> None:
            d = dams[len(typed) % DAMS]
            layer.startEditing()
            typed[d["uuid"]] = f"改{r}-{len(typed)}"
            layer.changeAttributeValue(fids[d["uuid"]], name, typed[d["uuid"]])
            if len(typed) % 3 == 0:
                layer.changeGeometry(fids[d["uuid"]], QgsGeometry.fromPointXY(QgsPointXY(115.2, 25.5 + r / 100)))
            if not layer.commitChanges():
                refused.append("; ".join(layer.commitErrors()))
                layer.rollBack()

        task = SyncTask(bob.path, server.url, username="bob", password=h.PASSWORD,
                        settings=SyncSettings(page_size=PAGE))  # fmt: skip
        during_sync += _run_task(task, edit)
        assert task.error is None, task.error
        assert task.summary.received >= DAMS, task.summary
    assert refused == []
    assert during_sync >= ROUNDS * 3, during_sync  # the commits really overlapped the syncs
    h.sync(bob, server, "bob")
    h.sync(ann, server, "ann")
    truth = server.contents("ann")
    assert {u: truth[("dam", u)]["name"] for u in typed} == typed  # every typed name reached the server
    assert {v["dam_height"] for (_k, _u), v in truth.items()} == {float(ROUNDS - 1)}
    assert h.store_contents(bob) == truth == h.store_contents(ann)
    assert layer.featureCount() == DAMS and height >= 0
