"""Issue 13's rules as a person meets them in the forms, in real QGIS in zh_CN, for looking at.

    .venv/bin/python tools/rule_shots.py

Builds the demo county into build/demo/rules/ganxian.gpkg (tools/demo_data.py), runs QGIS with the
plugin (under Xvfb without a display), opens record forms the way the docks do and types into them
what a person might (an inspection at a flag concluding 无隐患, 正常 over an open major hazard, a
dam that needs 一坝一人, a de-listing, a treated 崩岗, a watershed's erosion by class and clean
indicators, a failed acceptance, an upkeep check), and saves a screenshot of each window to
build/demo/rules/. Look at every one.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import shotkit

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "demo" / "rules"
STORE = OUT / "ganxian.gpkg"

# Runs inside QGIS (its own Python): QGIS, the plugin, the standard library and shotkit.
SHOTS = r"""
from qgis.PyQt.QtCore import QPoint, QRect
from qgis.utils import iface


def form_of(kind, feature, new=False):
    from shuibao.model import RECORD_KINDS
    from shuibao.ui.record_form import RecordForm
    from shuibao.layers.project import find_layer

    form = RecordForm(find_layer(kind), feature, RECORD_KINDS[kind], new=new, lang="zh", parent=iface.mainWindow(),
                      iface=iface)
    form.setGeometry(120, 40, 820, 900)
    form.show()
    return form


def type_values(form, **values):
    for name, value in values.items():
        form.attributeForm().changeAttribute(name, value)
    form.refresh_problems()


def shoot(form, name, then):
    def grab():
        form.refresh_problems()
        area = QRect(form.mapToGlobal(QPoint(0, 0)), form.size()).adjusted(-2, -30, 2, 2)  # with its title bar
        grab_screen(OUT / name, area)
        form.reject()
        later(400, then)
    later(1200, grab)


def inspection():
    from shuibao.ui import actions

    dam = first(actions.layer_of("dam"), "hazard_status = 'normal' AND register_status = 'registered'")
    outcome, feature = actions.new_child("dam_inspection", "dam", dam.id(), "inspector", "王五")
    form = form_of("dam_inspection", feature, new=True)
    type_values(form, crack_type="transverse", crack_width=15.0, crack_length=6.0, seepage="piping",
                seepage_location="坝脚右侧", settlement=30.0, result="no_hazard")
    choose_tab(form, "结论")
    shoot(form, "rule-inspection-flags.png", dam_status)


def dam_status():
    from shuibao.ui import actions

    hazard = first(actions.layer_of("dam_hazard"), "severity = 'major' AND step <> 'closed'")
    dam = first(actions.layer_of("dam"), "uuid = '%s'" % hazard["dam_uuid"])
    form = form_of("dam", dam)
    type_values(form, hazard_status="normal")
    shoot(form, "rule-dam-hazard-status.png", dedicated)


def dedicated():
    from shuibao.ui import actions

    dam = first(actions.layer_of("dam"), "patrol_class = 'dedicated' AND register_status = 'registered'")
    form = form_of("dam", dam)
    type_values(form, dedicated_patroller=False, patrol_phone="1390797", construction_stage="built")
    choose_tab(form, "安全责任")
    shoot(form, "rule-dam-duty.png", delisting)


def delisting():
    from shuibao.ui import actions

    dam = first(actions.layer_of("dam"), "register_status = 'registered' AND hazard_status = 'normal'")
    form = form_of("dam", dam)
    type_values(form, register_status="delisted", delist_cause="other", delist_date="2026-06-30")
    choose_tab(form, "登记销号")
    shoot(form, "rule-dam-delisting.png", patch)


def patch():
    from shuibao.ui import actions

    treated = first(actions.layer_of("patch"), "kind = 'benggang' AND treatment_status = 'completed'")
    form = form_of("patch", treated)
    type_values(form, risk_level="high", caretaker_phone="0797")
    choose_tab(form, "治理与管护")
    shoot(form, "rule-patch-treated.png", watershed)


def watershed():
    from shuibao.ui import actions

    shed = first(actions.layer_of("watershed"), "project_type = 'eco_clean'")
    form = form_of("watershed", shed)
    choose_tab(form, "指标")
    shoot(form, "rule-watershed-figures.png", lambda: watershed_clean(shed))


def watershed_clean(shed):
    form = form_of("watershed", shed)
    type_values(form, sewage_treatment_rate=55.0)
    choose_tab(form, "生态清洁")
    shoot(form, "rule-watershed-clean.png", acceptance)


def acceptance():
    from shuibao.ui import actions

    signed = first(actions.layer_of("watershed_acceptance"), "step = 'signed'")
    form = form_of("watershed_acceptance", signed)
    choose_tab(form, "结论")
    shoot(form, "rule-acceptance-reasons.png", upkeep)


def upkeep():
    from shuibao.ui import actions

    accepted = first(actions.layer_of("patch"), "kind = 'benggang' AND treatment_status = 'accepted'")
    outcome, feature = actions.new_child("patch_upkeep", "patch", accepted.id(), "inspector", "王五")
    form = form_of("patch_upkeep", feature, new=True)
    type_values(form, caretaker_present=False, facilities_intact=False, vegetation_kept=True, result="poor")
    choose_tab(form, "结论")
    shoot(form, "rule-upkeep.png", done)


def start():
    main_window()
    plugin().open_store(path=STORE)
    later(2500, inspection)


later(2000, start)
"""


def main() -> int:
    if not os.environ.get("DISPLAY"):
        return shotkit.under_xvfb()
    shotkit.qgis_app()  # the store's writer needs QGIS
    shotkit.fresh_demo_store(STORE)
    ok = shotkit.run_qgis(OUT / "work", SHOTS, timeout=240, store=str(STORE), out=OUT)
    for path in sorted(OUT.glob("rule-*.png")):
        print(path.relative_to(ROOT))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
