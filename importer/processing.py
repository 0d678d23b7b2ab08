"""The Processing algorithm ``shuibao:import``: a register file into the offline store (qgis_process too).

A dry run by default: it reports what would be inserted, updated or rejected, and writes the
report when asked; with DRY_RUN=false it writes the records as local edits, which the next sync
pushes.
"""

from __future__ import annotations

import json

from qgis.core import (
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterCrs,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterString,
)
from qgis.PyQt.QtCore import QCoreApplication

from ..model import RECORD_KINDS
from ..registers import ImportFailure, mapping, report
from ..registers.run import run_import
from .store_target import StoreTarget

KINDS = mapping.importable_kinds()
COUNTS = (("INSERTED", "insert"), ("UPDATED", "update"), ("UNCHANGED", "unchanged"), ("REJECTED", "reject"))
FILE_FILTER = "*.shp *.gpkg *.geojson *.json *.kml *.kmz *.csv *.txt *.xlsx *.xlsm *.xls"


def tr(text: str) -> str:
    return QCoreApplication.translate("Shuibao", text)  # the context of ui.tr()


def _language() -> str:
    from ..settings import language

    return language()


class ImportAlgorithm(QgsProcessingAlgorithm):
    INPUT, LAYER, KIND, STORE, COUNTY = "INPUT", "LAYER", "KIND", "STORE", "COUNTY"
    CRS, MAPPING, DRY_RUN, REPORT = "CRS", "MAPPING", "DRY_RUN", "REPORT"

    def name(self) -> str:
        return "import"

    def displayName(self) -> str:
        return tr("Import registers (导入登记数据)")

    def shortHelpString(self) -> str:
        kinds = ", ".join(f"{i} {RECORD_KINDS[k].zh}" for i, k in enumerate(KINDS))
        return tr(
            "Imports a county's existing register (Shapefile, GeoPackage, GeoJSON, KML, CSV or Excel with "
            "coordinate columns) into the store. Columns are matched to fields by their Chinese headers unless a "
            "saved mapping is given; the coordinate system is detected unless one is given. A dry run by default: "
            "it only reports the rows to insert, update or reject. Record kinds: {0}."
        ).format(kinds)

    def createInstance(self) -> ImportAlgorithm:
        return ImportAlgorithm()

    def flags(self):
        return super().flags() | QgsProcessingAlgorithm.FlagNoThreading

    def initAlgorithm(self, config=None) -> None:
        file_filter = tr("Register files ({0})").format(FILE_FILTER)
        self.addParameter(QgsProcessingParameterFile(self.INPUT, tr("Register file"), fileFilter=file_filter))
        self.addParameter(QgsProcessingParameterString(self.LAYER, tr("Sheet or layer"), optional=True))
        labels = [f"{RECORD_KINDS[k].zh} {k}" for k in KINDS]
        self.addParameter(QgsProcessingParameterEnum(self.KIND, tr("Record kind"), labels, defaultValue=0))
        self.addParameter(QgsProcessingParameterFile(self.STORE, tr("Store (GeoPackage)"), extension="gpkg"))
        self.addParameter(QgsProcessingParameterString(self.COUNTY, tr("County code (6 digits)"), optional=True))
        self.addParameter(QgsProcessingParameterCrs(self.CRS, tr("Coordinate system of the file"), optional=True))
        self.addParameter(
            QgsProcessingParameterFile(self.MAPPING, tr("Saved field mapping"), extension="json", optional=True)
        )
        self.addParameter(QgsProcessingParameterBoolean(self.DRY_RUN, tr("Dry run (write nothing)"), True))
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.REPORT, tr("Validation report"), tr("Excel (*.xlsx);;CSV (*.csv)"), optional=True
            )
        )
        for name, _action in COUNTS:
            self.addOutput(QgsProcessingOutputNumber(name, name.lower()))
        self.addOutput(QgsProcessingOutputString("SUMMARY", "summary (JSON)"))

    def processAlgorithm(self, parameters, context, feedback):
        lang = _language()
        kind = KINDS[self.parameterAsEnum(parameters, self.KIND, context)]
        crs = self.parameterAsCrs(parameters, self.CRS, context)
        mapping_file = self.parameterAsFile(parameters, self.MAPPING, context)
        report_path = self.parameterAsFileOutput(parameters, self.REPORT, context)
        dry_run = self.parameterAsBool(parameters, self.DRY_RUN, context)
        from ..settings import role

        try:
            result = run_import(
                self.parameterAsFile(parameters, self.INPUT, context),
                kind,
                StoreTarget(self.parameterAsFile(parameters, self.STORE, context), role()),
                mapping=mapping.Mapping.load(mapping_file) if mapping_file else None,
                layer=self.parameterAsString(parameters, self.LAYER, context) or None,
                county=self.parameterAsString(parameters, self.COUNTY, context).strip() or None,
                crs=(crs.authid() or crs.toWkt()) if crs.isValid() else None,
                dry_run=dry_run,
                progress=feedback.setProgress,
                is_canceled=feedback.isCanceled,
            )
        except ImportFailure as exc:
            raise QgsProcessingException(exc.message(lang)) from exc
        plan = result.plan
        for zh, en in plan.notes:
            feedback.pushInfo(zh if lang == "zh" else en)
        for r in plan.rows:
            for p in r.problems:
                feedback.reportError(tr("Row {0}: {1}").format(r.number, p.message(lang)))
        feedback.pushInfo(plan.summary(lang) + ("" if not dry_run else tr(" (dry run: nothing written)")))
        counts = plan.counts()
        out = {name: counts[action] for name, action in COUNTS}
        out["SUMMARY"] = json.dumps({"counts": counts, "written": result.written, "dry_run": dry_run,
                                     "crs": plan.crs.crs if plan.crs else None}, ensure_ascii=False)  # fmt: skip
        if report_path:
            out[self.REPORT] = str(report.write(plan, report_path))
        return out
