"""Processing algorithms of the reports, in the ``shuibao`` provider (``sync.processing`` adds them).

``shuibao:export_ledgers`` writes ledgers to Excel, ``shuibao:print_forms`` prints forms to one PDF
(one record or an atlas of a filter), ``shuibao:statistics`` writes the statistics against targets.
All run from the toolbox, the model designer and ``qgis_process``; each is a thin shell over the
plain functions the dock and the panel call.
"""

from __future__ import annotations

import datetime as dt

from qgis.core import (
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)
from qgis.PyQt.QtCore import QCoreApplication

from . import excel, ledgers, stats
from .data import Dataset, ReportError

LEDGER_NAMES = list(ledgers.LEDGERS)
FORM_NAMES = ("dam_inspection", "dam_hazard", "patch_survey", "watershed_acceptance")


def tr(text: str) -> str:
    return QCoreApplication.translate("Shuibao", text)  # the context of ui.tr()


def _lang(parameters: dict | None = None) -> str:
    """The LANGUAGE parameter (0: the plugin's language, 1: Chinese, 2: English)."""
    choice = (parameters or {}).get("LANGUAGE") or 0
    if str(choice) in ("1", "2"):
        return "zh" if str(choice) == "1" else "en"
    from ..settings import language

    return language()


def _date(text: str, name: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise QgsProcessingException(tr("{0}: not a date (YYYY-MM-DD): {1}").format(name, text)) from None


class ReportAlgorithm(QgsProcessingAlgorithm):
    """Shared parameters: the store, the county's name, the filters."""

    STORE, COUNTY, TOWNSHIP, DATE_FROM, DATE_TO, STATUS, OUTPUT = (
        "STORE", "COUNTY_NAME", "TOWNSHIP", "DATE_FROM", "DATE_TO", "STATUS", "OUTPUT",
    )  # fmt: skip

    def group(self) -> str:
        return tr("Reports")

    def groupId(self) -> str:  # noqa: N802 - QGIS API
        return "reports"

    def createInstance(self):
        return type(self)()

    def add_store_and_filters(self, dates: bool = True, status: bool = True) -> None:
        self.addParameter(QgsProcessingParameterFile(self.STORE, tr("Store (GeoPackage)"), extension="gpkg"))
        self.addParameter(QgsProcessingParameterEnum(
            "LANGUAGE", tr("Language"), options=[tr("As the plugin"), "中文", "English"], defaultValue=0))  # fmt: skip
        self.addParameter(QgsProcessingParameterString(self.COUNTY, tr("County name for titles (e.g. 赣县区)"),
                                                       optional=True))  # fmt: skip
        self.addParameter(QgsProcessingParameterString(self.TOWNSHIP, tr("Township (empty: all)"), optional=True))
        if dates:
            self.addParameter(QgsProcessingParameterString(self.DATE_FROM, tr("From date (YYYY-MM-DD)"), optional=True))
            self.addParameter(QgsProcessingParameterString(self.DATE_TO, tr("To date (YYYY-MM-DD)"), optional=True))
        if status:
            self.addParameter(QgsProcessingParameterString(
                self.STATUS, tr("Status codes, comma separated (empty: all)"), optional=True))  # fmt: skip

    def filter(self, parameters, context) -> ledgers.Filter:
        text = self.parameterAsString(parameters, self.STATUS, context) if self.STATUS in parameters else ""
        return ledgers.Filter(
            township=self.parameterAsString(parameters, self.TOWNSHIP, context).strip() or None,
            date_from=_date(self.parameterAsString(parameters, self.DATE_FROM, context), tr("From date")),
            date_to=_date(self.parameterAsString(parameters, self.DATE_TO, context), tr("To date")),
            statuses=tuple(s.strip() for s in text.split(",") if s.strip()),
        )

    def dataset(self, parameters, context) -> Dataset:
        try:
            return Dataset(self.parameterAsFile(parameters, self.STORE, context))
        except ReportError as exc:
            raise QgsProcessingException(exc.message(_lang(parameters))) from exc


class ExportLedgersAlgorithm(ReportAlgorithm):
    LEDGERS = "LEDGERS"

    def name(self) -> str:
        return "export_ledgers"

    def displayName(self) -> str:  # noqa: N802 - QGIS API
        return tr("Export ledgers to Excel (台账)")

    def shortHelpString(self) -> str:  # noqa: N802 - QGIS API
        return tr("Writes the chosen ledgers of a store to one Excel workbook, one sheet per ledger, filtered by "
                  "township, period and status. Status codes apply to each ledger's own status field.")  # fmt: skip

    def initAlgorithm(self, config=None) -> None:  # noqa: N802 - QGIS API
        lang = _lang()
        self.addParameter(QgsProcessingParameterEnum(
            self.LEDGERS, tr("Ledgers"), options=[ledgers.LEDGERS[n].label(lang) for n in LEDGER_NAMES],
            allowMultiple=True, defaultValue=list(range(len(LEDGER_NAMES)))))  # fmt: skip
        self.add_store_and_filters()
        self.addParameter(QgsProcessingParameterFileDestination(self.OUTPUT, tr("Excel workbook"), "Excel (*.xlsx)"))
        self.addOutput(QgsProcessingOutputNumber("ROWS", tr("Rows written")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 - QGIS API
        ds, flt, lang = self.dataset(parameters, context), self.filter(parameters, context), _lang(parameters)
        names = [LEDGER_NAMES[i] for i in self.parameterAsEnums(parameters, self.LEDGERS, context)]
        path = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        county = self.parameterAsString(parameters, self.COUNTY, context)
        try:
            tables = ledgers.make_tables(ds, names, flt, lang, county)
            excel.write_workbook(path, tables)
        except ReportError as exc:
            raise QgsProcessingException(exc.message(lang)) from exc
        for table in tables:
            feedback.pushInfo(f"{table.title}: {len(table.rows)}")
        return {self.OUTPUT: path, "ROWS": sum(len(t.rows) for t in tables)}


class PrintFormsAlgorithm(ReportAlgorithm):
    FORM, UUIDS, UNIT = "FORM", "UUIDS", "UNIT_NAME"

    def name(self) -> str:
        return "print_forms"

    def displayName(self) -> str:  # noqa: N802 - QGIS API
        return tr("Print forms to PDF (表单)")

    def shortHelpString(self) -> str:  # noqa: N802 - QGIS API
        return tr("Prints a form for each record into one PDF: the records given by uuid, or every record of the "
                  "filter (an atlas). For the 崩岗 survey sheet give patches or surveys.")  # fmt: skip

    def initAlgorithm(self, config=None) -> None:  # noqa: N802 - QGIS API
        from .layouts import FORMS

        lang = _lang()
        self.addParameter(QgsProcessingParameterEnum(
            self.FORM, tr("Form"), options=[FORMS[n].menu_label(lang) for n in FORM_NAMES], defaultValue=0))  # fmt: skip
        self.add_store_and_filters()
        self.addParameter(QgsProcessingParameterString(self.UUIDS, tr("Record uuids, comma separated (empty: the filter)"),
                                                       optional=True))  # fmt: skip
        self.addParameter(QgsProcessingParameterString(self.UNIT, tr("Issuing unit (e.g. 赣县区水土保持中心)"),
                                                       optional=True))  # fmt: skip
        self.addParameter(QgsProcessingParameterFileDestination(self.OUTPUT, tr("PDF file"), "PDF (*.pdf)"))
        self.addOutput(QgsProcessingOutputNumber("RECORDS", tr("Records printed")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 - QGIS API
        from .layouts import FormOptions, export_pdf

        ds, lang = self.dataset(parameters, context), _lang(parameters)
        form = FORM_NAMES[self.parameterAsEnum(parameters, self.FORM, context)]
        listed = self.parameterAsString(parameters, self.UUIDS, context)
        uuids = [u.strip() for u in listed.split(",") if u.strip()] or ledgers.form_records(
            ds, form, self.filter(parameters, context)
        )
        path = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        options = FormOptions(self.parameterAsString(parameters, self.COUNTY, context),
                              self.parameterAsString(parameters, self.UNIT, context), lang)  # fmt: skip
        try:
            export_pdf(ds.path, form, uuids, path, options, feedback)
        except ReportError as exc:
            raise QgsProcessingException(exc.message(lang)) from exc
        feedback.pushInfo(f"{len(uuids)}")
        return {self.OUTPUT: path, "RECORDS": len(uuids)}


class StatisticsAlgorithm(ReportAlgorithm):
    YEAR_FROM, YEAR_TO = "YEAR_FROM", "YEAR_TO"

    def name(self) -> str:
        return "statistics"

    def displayName(self) -> str:  # noqa: N802 - QGIS API
        return tr("Statistics against targets to Excel (统计)")

    def shortHelpString(self) -> str:  # noqa: N802 - QGIS API
        return tr("Progress against the county's targets, dams, hazards, 崩岗 treatment and watersheds by "
                  "township, with charts, in one Excel workbook. Without years: the plan period covering today.")  # fmt: skip

    def initAlgorithm(self, config=None) -> None:  # noqa: N802 - QGIS API
        self.add_store_and_filters(dates=False, status=False)
        for name, label in ((self.YEAR_FROM, tr("From year")), (self.YEAR_TO, tr("To year"))):
            self.addParameter(QgsProcessingParameterNumber(name, label, minValue=1980, maxValue=2100, optional=True))
        self.addParameter(QgsProcessingParameterFileDestination(self.OUTPUT, tr("Excel workbook"), "Excel (*.xlsx)"))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 - QGIS API
        ds, lang = self.dataset(parameters, context), _lang(parameters)
        opts = stats.default_options(ds)
        if parameters.get(self.YEAR_FROM) not in (None, ""):
            opts.year_from = self.parameterAsInt(parameters, self.YEAR_FROM, context)
        if parameters.get(self.YEAR_TO) not in (None, ""):
            opts.year_to = self.parameterAsInt(parameters, self.YEAR_TO, context)
        opts.township = self.parameterAsString(parameters, self.TOWNSHIP, context).strip() or None
        path = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        county = self.parameterAsString(parameters, self.COUNTY, context)
        try:
            excel.write_workbook(path, stats.statistics_tables(ds, opts, lang, county), stats.charts(lang))
        except ReportError as exc:
            raise QgsProcessingException(exc.message(lang)) from exc
        return {self.OUTPUT: path}


def algorithms() -> list[QgsProcessingAlgorithm]:
    return [ExportLedgersAlgorithm(), PrintFormsAlgorithm(), StatisticsAlgorithm()]
