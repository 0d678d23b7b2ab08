"""Processing provider ``shuibao`` with the algorithm ``shuibao:sync`` (runs from qgis_process too)."""

from __future__ import annotations

import json

from qgis.core import (
    QgsApplication,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterAuthConfig,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFile,
    QgsProcessingParameterString,
    QgsProcessingProvider,
)
from qgis.PyQt.QtCore import QCoreApplication

from .api import SyncError
from .engine import SyncSettings
from .run import run_sync

COUNTS = ("sent", "received", "merged", "conflicts", "rejected", "photos_up", "photos_down")


def tr(text: str) -> str:
    return QCoreApplication.translate("Shuibao", text)  # the context of ui.tr()


class SyncAlgorithm(QgsProcessingAlgorithm):
    STORE, URL, USER, PASSWORD, AUTHCFG, PHOTOS = "STORE", "SERVER_URL", "USERNAME", "PASSWORD", "AUTHCFG", "PHOTOS"

    def name(self) -> str:
        return "sync"

    def displayName(self) -> str:
        return tr("Synchronise store with server (同步)")

    def shortHelpString(self) -> str:
        return tr(
            "Pushes the store's local edits to the Shuibao server and pulls the changes of others. "
            "Log in with a user name and password, or with a QGIS authentication configuration."
        )

    def createInstance(self) -> SyncAlgorithm:
        return SyncAlgorithm()

    def initAlgorithm(self, config=None) -> None:
        self.addParameter(QgsProcessingParameterFile(self.STORE, tr("Store (GeoPackage)"), extension="gpkg"))
        self.addParameter(QgsProcessingParameterString(self.URL, tr("Server URL")))
        self.addParameter(QgsProcessingParameterString(self.USER, tr("User name"), optional=True))
        self.addParameter(QgsProcessingParameterString(self.PASSWORD, tr("Password"), optional=True))
        self.addParameter(
            QgsProcessingParameterAuthConfig(self.AUTHCFG, tr("Authentication configuration"), optional=True)
        )
        self.addParameter(QgsProcessingParameterBoolean(self.PHOTOS, tr("Download all photos"), defaultValue=False))
        for name in COUNTS:
            self.addOutput(QgsProcessingOutputNumber(name.upper(), name))
        self.addOutput(QgsProcessingOutputString("ERRORS", "errors"))
        self.addOutput(QgsProcessingOutputString("SUMMARY", "summary (JSON)"))

    def flags(self):
        return super().flags() | QgsProcessingAlgorithm.FlagNoThreading

    def processAlgorithm(self, parameters, context, feedback):
        store = self.parameterAsFile(parameters, self.STORE, context)
        url = self.parameterAsString(parameters, self.URL, context)
        user = self.parameterAsString(parameters, self.USER, context) or None
        password = self.parameterAsString(parameters, self.PASSWORD, context) or None
        authcfg = self.parameterAsString(parameters, self.AUTHCFG, context)
        token = None
        if authcfg and not password:
            from .credentials import load

            creds = load(authcfg)
            user = user or creds["username"] or None
            password = creds["password"] or None
            token = creds["token"] or None
        settings = SyncSettings(download_photos="all" if self.parameterAsBool(parameters, self.PHOTOS, context)
                                else "on_demand")  # fmt: skip
        try:
            summary = run_sync(store, url, username=user, password=password, token=token, settings=settings,
                               progress=feedback.setProgress, is_canceled=feedback.isCanceled).summary  # fmt: skip
        except SyncError as exc:
            raise QgsProcessingException(exc.user_message()) from exc
        for err in summary.errors:
            feedback.reportError(err)
        out = {name.upper(): getattr(summary, name) for name in COUNTS}
        out["ERRORS"] = "\n".join(summary.errors)
        out["SUMMARY"] = json.dumps(summary.as_dict(), ensure_ascii=False)
        feedback.pushInfo(out["SUMMARY"])
        return out


class ShuibaoProvider(QgsProcessingProvider):
    def id(self) -> str:
        return "shuibao"

    def name(self) -> str:
        return "Shuibao 水保巡检"

    def longName(self) -> str:
        return self.name()

    def loadAlgorithms(self) -> None:
        from ..importer.processing import ImportAlgorithm  # shuibao:import (register import)
        from ..reports.processing import algorithms  # ledgers, forms and statistics (reports/)

        self.addAlgorithm(SyncAlgorithm())
        self.addAlgorithm(ImportAlgorithm())
        for algorithm in algorithms():
            self.addAlgorithm(algorithm)


_provider: ShuibaoProvider | None = None


def register_provider() -> ShuibaoProvider:
    """Add the provider to the Processing registry (idempotent); the plugin calls it in initProcessing."""
    global _provider
    registry = QgsApplication.processingRegistry()
    if _provider is None or registry.providerById("shuibao") is None:
        _provider = ShuibaoProvider()
        registry.addProvider(_provider)
    return _provider


def unregister_provider() -> None:
    global _provider
    if _provider is not None and QgsApplication.processingRegistry().providerById("shuibao") is not None:
        QgsApplication.processingRegistry().removeProvider(_provider)
    _provider = None


__all__ = ["ShuibaoProvider", "SyncAlgorithm", "register_provider", "unregister_provider", "QgsProcessing"]
