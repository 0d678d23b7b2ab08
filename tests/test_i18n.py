"""The zh_CN translation is complete, and the released .qm translates the plugin's strings."""

from __future__ import annotations

from qgis.PyQt.QtCore import QCoreApplication, QTranslator


def test_every_tr_string_has_a_translation(tool):
    i18n = tool("i18n")
    sources = i18n.source_strings()
    assert len(sources) > 100  # the extractor finds the plugin's strings
    assert "Resolve conflicts…" in sources and "Sync" in sources
    assert i18n.missing() == []


def test_released_qm_translates(tool):
    [qm] = tool("build_zip").release_translations()
    translator = QTranslator()
    assert translator.load(str(qm))
    QCoreApplication.installTranslator(translator)
    try:
        from shuibao.ui import tr

        assert tr("Sync") == "同步"
        assert tr("Keep theirs") == "保留服务器的"
        summary = tr("Sync finished: {0} sent, {1} received, {2} merged, {3} conflicts, {4} photos")
        assert summary.format(1, 2, 3, 4, 5) == "同步完成：发送 1，接收 2，合并 3，冲突 4，照片 5"
    finally:
        QCoreApplication.removeTranslator(translator)
