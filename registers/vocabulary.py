"""How counties name their columns and write their enumeration values, beyond the model's own labels.

The model's field labels (``Field.zh``/``en``/``name``) and choice labels are always recognised; this
module only adds the variants found in real registers. A new record kind (e.g. ``rs_spot``) adds its
entries here; nothing else in the import needs to know it.
"""

from __future__ import annotations

# Header variants per field name, for every kind that has the field.
COMMON_HEADERS: dict[str, tuple[str, ...]] = {
    "uuid": ("全局标识", "uuid", "guid", "globalid"),
    "county_code": (
        "县代码",
        "县级代码",
        "县区代码",
        "行政区划代码",
        "区划代码",
        "县级行政区划代码",
        "xzqdm",
        "县编码",
    ),
    "code": ("编码", "编号", "代码", "统一编码", "统一编号"),
    "name": ("名称", "名字"),
    "township": ("乡镇", "乡(镇)", "乡镇(街道)", "乡镇街道", "所在乡镇", "所属乡镇", "乡镇名称", "镇", "乡"),
    "village": ("村", "行政村", "所在村", "所属村", "村名", "村委会"),
    "watershed_code": ("所在小流域编码", "小流域代码", "所属小流域编码"),
    "year_built": ("建成年份", "建设年份", "建成时间", "建成年代", "竣工年份", "建成年度"),
    "year": ("年度", "实施年度", "年份"),
    "treatment_status": ("治理状态", "治理情况", "治理进度"),
    "register_status": ("登记状态", "状态"),
    "delist_reason": ("销号原因",),
    "delist_date": ("销号日期", "销号时间"),
    "area": ("面积",),
    "note": ("备注", "说明"),
}

# Header variants of one kind's fields (these win over COMMON_HEADERS).
KIND_HEADERS: dict[str, dict[str, tuple[str, ...]]] = {
    "dam": {
        "code": ("淤地坝编码", "淤地坝编号", "坝编号", "坝号", "坝编码", "工程编号", "工程编码"),
        "name": ("坝名", "淤地坝名称", "坝名称", "淤地坝", "工程名称"),
        "watershed_code": ("小流域编码",),
        "control_area": ("控制面积", "控制流域面积", "坝控面积"),
        "dam_height": ("坝高", "最大坝高", "坝高度"),
        "crest_length": ("坝顶长", "坝顶长度", "坝长"),
        "crest_width": ("坝顶宽", "坝顶宽度"),
        "crest_elevation": ("坝顶高程",),
        "total_storage": ("总库容", "库容", "设计总库容"),
        "silt_storage": ("拦泥库容", "设计拦泥库容"),
        "flood_storage": ("滞洪库容", "防洪库容"),
        "silted_storage": ("已淤库容", "已淤积库容", "淤积库容"),
        "silted_farmland": ("已淤地面积", "淤地面积", "已淤成地面积"),
        "composition": ("工程组成", "工程结构", "坝系组成", "建筑物组成"),
        "outlet_type": ("放水建筑物型式", "放水建筑物", "放水工程型式", "放水工程"),
        "has_spillway": ("有溢洪道", "溢洪道", "有无溢洪道", "是否有溢洪道"),
        "downstream_exposure": ("下游影响对象", "下游影响", "下游影响范围", "下游重要设施"),
        "dedicated_patroller": ("一坝一人", "一坝一人专职巡查", "专职巡查"),
        "hazard_status": ("安全状况", "病险情况", "安全状态", "运行状况"),
        "maintenance_body": ("管护主体", "管护单位", "管理单位"),
        "monitoring": ("监测设施", "监测设备"),
        "year_reinforced": ("除险加固年份", "加固年份"),
    },
    "patch": {
        "code": ("图斑编码", "图斑编号", "崩岗编号", "崩岗编码", "侵蚀沟编号", "侵蚀沟编码"),
        "name": ("崩岗名称", "侵蚀沟名称", "图斑名称"),
        "kind": ("类型", "侵蚀类型", "图斑类型"),
        "watershed_code": ("小流域编码",),
        "shape": ("崩岗形态", "形态"),
        "is_cluster": ("崩岗群", "是否崩岗群"),
        "cluster_members": ("崩岗群个数", "崩岗个数", "崩岗数量"),
        "activity": ("活动情况", "活动状况", "发育状况", "稳定性"),
        "gully_status": ("侵蚀沟发育状态", "发育状态"),
        "depth": ("平均深度", "深度", "沟深"),
        "width": ("宽度", "平均宽度", "宽"),
        "length": ("长度", "沟长", "长"),
        "vegetation_cover": ("植被覆盖度", "植被覆盖率"),
        "treatment_mode": ("治理模式",),
    },
    "watershed": {
        "code": ("小流域编码", "小流域代码", "小流域编号"),
        "name": ("小流域名称", "小流域", "流域名称"),
        "project_type": ("项目类型", "建设类型", "小流域类型"),
        "eroded_area": ("水土流失面积", "流失面积"),
        "forest_grass_cover": ("林草覆盖率",),
        "treatment_degree": ("治理度", "治理程度"),
        "batch": ("批次",),
    },
    # A province's batch of remote-sensing spots: Chinese headers, or the pinyin initials a Shapefile's
    # ten-character field names force (TBBH = 图斑编号).
    "rs_spot": {
        "spot_id": ("图斑编号", "监管图斑编号", "疑似违法违规图斑编号", "图斑号", "图斑编码", "tbbh", "jgtbbh", "tbid"),
        "batch_year": ("下发年度", "年度", "监管年度", "年份", "nd", "xfnd"),
        "batch_round": ("下发批次", "批次", "批次号", "轮次", "pc", "xfpc"),
        "issuer_level": ("下发层级", "下发级别", "下发单位级别", "图斑来源", "来源", "xfjb", "tbly"),
        "issued_on": ("下发日期", "下发时间", "xfrq", "xfsj"),
        "deadline": ("办结期限", "完成时限", "核查时限", "整改时限", "办理时限", "wcsx", "bjqx"),
        "township": ("乡镇", "乡镇名称", "所在乡镇", "xzmc", "xz", "xzjd"),
        "village": ("村", "行政村", "所在村", "cmc", "cjmc"),
        "issued_area": ("扰动面积", "图斑面积", "面积", "tbmj", "rdmj", "mj"),
        "disturbance_type": ("扰动类型", "扰动图斑类型", "rdlx"),
        "project_type": ("项目类型", "建设类型", "项目类别", "xmlx"),
        "project_name": ("项目名称", "建设项目名称", "xmmc"),
        "builder": ("建设单位", "生产建设单位", "jsdw"),
        "plan_approval_no": ("方案批复文号", "水保方案批复文号", "批复文号", "水土保持方案批复文号", "pfwh", "fapfwh"),
    },
    "watershed_spot": {
        "spot_code": ("图斑编号", "图斑编码", "图斑号"),
        "watershed_uuid": ("小流域编码", "所属小流域", "小流域"),
        "measure_type": ("措施类型", "措施", "治理措施"),
        "design_qty": ("设计数量", "设计工程量", "设计规模"),
        "completed_qty": ("完成数量", "完成工程量"),
        "unit": ("计量单位", "单位"),
        "survival_rate": ("成活率", "保存率", "成活率/保存率"),
        "quality": ("质量评定", "质量"),
    },
}

# Headers of coordinate columns, in order of preference.
X_HEADERS = ("经度", "lon", "lng", "long", "longitude", "x", "x坐标", "东坐标", "横坐标", "东经", "y坐标(东)", "e")
Y_HEADERS = ("纬度", "lat", "latitude", "y", "y坐标", "北坐标", "纵坐标", "北纬", "x坐标(北)", "n")
WKT_HEADERS = ("wkt", "geometry", "geom", "几何", "坐标串", "图形")

# Enumeration value variants: enumeration name -> {written value: code}.
ENUM_VALUES: dict[str, dict[str, str]] = {
    "hazard_status": {
        "病险坝": "dangerous", "病险淤地坝": "dangerous", "安全": "normal", "正常运行": "normal", "良好": "normal",
        "已除险加固": "cleared", "除险加固": "reinforcing", "正在除险加固": "reinforcing", "加固中": "reinforcing",
    },
    "outlet_type": {"卧管式": "inclined_pipe", "竖井式": "shaft", "涵管": "culvert", "涵洞": "culvert", "无放水工程": "none"},
    "dam_composition": {"坝体": "one", "坝体+放水建筑物": "two", "坝体+放水建筑物+溢洪道": "three",
                        "1大件": "one", "2大件": "two", "3大件": "three"},
    "register_status": {"已销号": "delisted", "正常": "registered", "在用": "registered"},
    "patch_kind": {"冲沟": "gully", "侵蚀沟道": "gully"},
    "treatment_status": {"已治理": "completed", "正在治理": "treating", "在建": "treating", "完工": "completed"},
    "benggang_activity": {"活动": "active", "稳定": "stable", "相对稳定": "stable"},
    "gully_status": {"发展": "developing", "稳定": "stable"},
    "downstream_exposure": {"村庄": "residents", "居民": "residents", "居民区": "residents", "道路": "traffic",
                            "公路": "traffic", "铁路": "traffic", "厂矿": "industry", "工矿企业": "industry"},
    "watershed_project": {"生态清洁型": "eco_clean", "生态清洁小流域": "eco_clean", "综合治理型": "comprehensive"},
    "rs_issuer": {"部": "ministry", "水利部": "ministry", "国家": "ministry", "部下发": "ministry", "省": "province",
                  "省厅": "province", "省水利厅": "province", "省下发": "province", "市": "city", "市级下发": "city"},
    "rs_disturbance": {"弃渣场": "spoil", "弃土场": "spoil", "弃土弃渣": "spoil", "取土场": "borrow", "取石场": "borrow",
                       "采石场": "borrow", "取土取石": "borrow", "其他": "other", "非生产建设": "non_production"},
    "rs_project_type": {"房地产开发": "real_estate", "公路": "transport", "铁路": "transport", "交通运输": "transport",
                        "光伏": "energy", "风电": "energy", "电力": "energy", "工业园区": "industry", "工业项目": "industry",
                        "矿山": "mining", "采矿": "mining", "采石": "mining", "砂石": "mining", "水利工程": "water",
                        "农业开发": "agri_forestry", "林业开发": "agri_forestry", "农林": "agri_forestry",
                        "市政": "urban", "城镇建设项目": "urban", "学校": "social", "医院": "social"},
}  # fmt: skip

# Generated codes for rows without one: {county}{prefix}{number:04d}.
CODE_PREFIX = {"dam": "YDB", "patch": "QS", "watershed": "XLY", "watershed_spot": "TB"}
# Kinds whose code is issued by someone else (a spot's id from the province): never generated, a row
# without it is rejected, since a corrected batch is matched on it.
ISSUED_CODES = ("rs_spot",)

# Rows that are totals, not records.
TOTAL_ROW_WORDS = ("合计", "小计", "总计", "累计")
