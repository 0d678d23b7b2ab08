"""Reports benchmark: ledgers to Excel, statistics, and printed forms, on a large county.

The county is the demo generator at ten times the dams and patches (10,000 dams with their
inspections and hazards, 3,200 patches; SHUIBAO_BENCH_SCALE shrinks it). Figures:

* reports_ledgers_dam_s: the four dam ledgers (register, hazards, inspections, de-listing) to one
  workbook; reports_register_s: the dam register alone, beside reports_qgis_export_dam_s, QGIS's own
  "Export to spreadsheet" of the same dams with aliases and formatted values (its fair best case:
  the layer configured as the plugin configures it, value maps giving the labels);
* reports_statistics_s: every statistics table against the targets, with charts, to Excel;
* reports_pdf_s_per_record: an atlas of 100 inspection records (two pages each) to one PDF.
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from pathlib import Path

from .common import scale, timer

ROOT = Path(__file__).resolve().parent.parent


def _demo_data():
    spec = importlib.util.spec_from_file_location("shuibao_tools_demo_data", ROOT / "tools" / "demo_data.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def run(results: dict) -> None:
    from qgis.core import QgsApplication, QgsVectorLayer

    app = QgsApplication.instance() or QgsApplication([], False)
    app.initQgis()
    from shuibao.reports import excel, layouts, ledgers, stats
    from shuibao.reports.data import Dataset

    demo = _demo_data()
    size = demo.DemoSize(dams=max(int(10_000 * scale()), 50), patches=max(int(3_200 * scale()), 30))
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "county.gpkg"
        demo.write_store(store, demo.generate(size=size))
        ds = Dataset(store)
        names = [n for n, g in ledgers.LEDGERS.items() if g.object_kind in ("dam", "all")]
        with timer() as t:
            tables = ledgers.make_tables(Dataset(store), names, ledgers.Filter(), "zh", "赣县区")
            excel.write_workbook(Path(tmp) / "dam-ledgers.xlsx", tables)
        results["reports_ledgers_dam_s"] = t[0]
        results["reports_ledgers_dam_rows"] = sum(len(x.rows) for x in tables)
        with timer() as t:  # the register alone: the same rows as QGIS's export below
            register = ledgers.make_tables(Dataset(store), ["dam_register"], ledgers.Filter(), "zh", "赣县区")
            excel.write_workbook(Path(tmp) / "register.xlsx", register)
        results["reports_register_s"] = t[0]
        results["reports_qgis_export_dam_s"] = _qgis_export(QgsVectorLayer(f"{store}|layername=dam", "dam", "ogr"), tmp)
        with timer() as t:
            opts = stats.default_options(ds)
            excel.write_workbook(Path(tmp) / "stats.xlsx", stats.statistics_tables(Dataset(store), opts, "zh"),
                                 stats.charts("zh"))  # fmt: skip
        results["reports_statistics_s"] = t[0]
        uuids = [r["uuid"] for r in ds.rows("dam_inspection")[:100]]
        with timer() as t:
            layouts.export_pdf(store, "dam_inspection", uuids, Path(tmp) / "atlas.pdf", layouts.FormOptions("赣县区"))
        results["reports_pdf_s_per_record"] = t[0] / len(uuids)
        results["reports_county_dams"] = len(ds.rows("dam"))


def _qgis_export(layer, tmp: str) -> float:
    """QGIS's own spreadsheet export of the same dams (aliases and value-map labels: configured as the
    plugin configures the layer), or -1 when the Processing plugin is missing."""
    plugins = "/usr/share/qgis/python/plugins"
    if plugins not in sys.path:
        sys.path.append(plugins)
    try:
        import processing
        from processing.core.Processing import Processing
    except ImportError:
        return -1.0
    from shuibao.layers.project import configure_layer
    from shuibao.model import RECORD_KINDS

    Processing.initialize()
    configure_layer(layer, RECORD_KINDS["dam"], "zh")
    with timer() as t:
        processing.run("native:exporttospreadsheet", {"LAYERS": [layer], "USE_ALIAS": True, "FORMATTED_VALUES": True,
                                                      "OUTPUT": str(Path(tmp) / "qgis.xlsx"), "OVERWRITE": True})  # fmt: skip
    return t[0]
