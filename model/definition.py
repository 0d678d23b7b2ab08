"""The Shuibao domain model: every record kind, field, enumeration, workflow and threshold.

One declarative definition shared by the plugin (store, layers, forms) and the server
(validation, database). Facts and their certainty tags come from shared/DOMAIN.md.
"""

from __future__ import annotations

from .schema import (
    BOOL,
    DATE,
    DATETIME,
    ENUM,
    INT,
    MULTI_ENUM,
    REAL,
    REF,
    TEXT,
    Field,
    RecordKind,
    RequiredWhen,
    Step,
    Threshold,
    Thresholds,
    Transition,
    Workflow,
    enum,
)

# Major changes break compatibility; a client may talk to a server of the same major version
# whose minor version is equal or newer (see model.version).
MODEL_VERSION = "2.0"  # 1.1: the target kind; 1.2: remote-sensing spots; 2.0: issue 13 (rules, regional
# thresholds): see model.version

# ---------------------------------------------------------------------------------------------
# Thresholds: the model's defaults, with their mark (V/S/I) and basis (依据). [I] values are
# inferences a site may override. Regions override the seasonal and soil values (model.regions),
# and the server can set any of them per province, prefecture or county.
# ---------------------------------------------------------------------------------------------
_PATROL = "淤地坝巡查频次惯例（非官方文本）：非汛期每周两次、汛期每日、主汛期每日两次"
_RAIN = "淤地坝巡查惯例（非官方文本）：日雨量≥25 mm加密巡查，≥50 mm时2小时内巡查"
_UNVERIFIED = "常用值，未核实（项目推断）"
_NORTH = "北方（黄土高原、河南）汛期6月1日—9月30日；未按地区设置时采用"
_NORTH_MAIN = "推断：北方“七下八上”主汛期，未核实"
_TONGCHUAN = "铜川市生态清洁小流域建设地方规定"
_ORDINARY = "推断：非“一坝一人”的一般坝巡查减半或更少，未核实"
_T = Threshold
_THRESHOLDS = (
    _T(
        "dam_backbone_min_storage",
        50,
        "万m³",
        "骨干坝最小总库容",
        "Backbone dam minimum total storage",
        "V",
        "骨干坝（大型）：总库容50万m³以上",
    ),
    _T("dam_medium_min_storage", 10, "万m³", "中型坝最小总库容", "Medium dam minimum total storage", "I", _UNVERIFIED),
    _T("dam_small_min_storage", 1, "万m³", "小型坝最小总库容", "Small dam minimum total storage", "I", _UNVERIFIED),
    _T(
        "dam_max_storage",
        500,
        "万m³",
        "淤地坝最大总库容",
        "Check dam maximum total storage",
        "V",
        "SL 289-2003：“个别库容为300×10⁴~500×10⁴m³”，更大者不属淤地坝",
    ),
    _T(
        "benggang_min_area",
        60,
        "m²",
        "崩岗最小上图面积",
        "Minimum mapped collapsing-gully area",
        "V",
        "崩岗调查：面积大于60 m²上图",
    ),
    _T(
        "benggang_large_min_area",
        3000,
        "m²",
        "大型崩岗最小面积",
        "Large collapsing gully minimum area",
        "I",
        "推断：来源只称“按单个崩岗的规模可分为小型、中型和大型”",
    ),
    _T(
        "benggang_medium_min_area",
        1000,
        "m²",
        "中型崩岗最小面积",
        "Medium collapsing gully minimum area",
        "I",
        "推断：来源只称“按单个崩岗的规模可分为小型、中型和大型”",
    ),
    _T(
        "gully_min_length",
        50,
        "m",
        "侵蚀沟最小沟长",
        "Minimum erosion-gully length",
        "V",
        "东北黑土区侵蚀沟调查：沟长≥50 m",
    ),
    # How a 崩岗群 counts against a plan's "治理崩岗 N 座" [I]: 1 = as many as its members, 0 = as one.
    _T(
        "benggang_cluster_counts_members",
        1,
        None,
        "崩岗群按个数计入目标",
        "Clusters count as members",
        "I",
        "本项目约定",
    ),
    _T(
        "crack_flag_width",
        2,
        "mm",
        "裂缝预警宽度",
        "Crack width that raises a flag",
        "S",
        "淤地坝巡查惯例（非官方文本）",
    ),
    _T("settlement_flag", 5, "cm", "沉降预警值", "Settlement that raises a flag", "S", "淤地坝巡查惯例（非官方文本）"),
    _T(
        "watershed_max_area",
        50,
        "km²",
        "小流域最大面积",
        "Small watershed maximum area",
        "V",
        "小流域面积一般不超过50 km²",
    ),
    _T(
        "acceptance_sample_share",
        0.2,
        None,
        "验收抽样比例",
        "Acceptance sample share",
        "V",
        "水土保持生态建设工程验收规定（2003）：年度验收抽样不少于20%",
    ),
    _T("acceptance_min_treatment_degree", 70, "%", "验收治理度下限", "Minimum treatment degree", "I", _UNVERIFIED),
    _T(
        "acceptance_min_survival_rate",
        80,
        "%",
        "验收保存率下限",
        "Minimum survival/preservation rate",
        "I",
        _UNVERIFIED,
    ),
    _T("acceptance_max_area_deviation", 10, "%", "图斑面积允许偏差", "Allowed spot area deviation", "I", _UNVERIFIED),
    _T(
        "acceptance_min_pass_rate",
        80,
        "%",
        "抽查合格率下限",
        "Minimum share of sampled spots passing",
        "I",
        _UNVERIFIED,
    ),
    # 生态清洁小流域 completion acceptance (铜川's local rules [S]; no national figure for sewage [I]).
    _T("clean_min_sewage_rate", 70, "%", "生活污水处理率下限", "Minimum sewage treatment rate", "I", _UNVERIFIED),
    _T("clean_min_refuse_rate", 70, "%", "生活垃圾无害化处理率下限", "Minimum refuse treatment rate", "S", _TONGCHUAN),
    _T(
        "clean_max_outlet_class",
        3,
        None,
        "出口断面水质类别上限（Ⅲ类）",
        "Worst outlet water class (III)",
        "S",
        _TONGCHUAN,
    ),
    _T("visit_max_distance", 200, "m", "到位核验距离", "Proof-of-visit maximum distance", "I", "本项目约定"),
    _T(
        "patrol_interval_off_season",
        84,
        "h",
        "非汛期巡查间隔（每周两次）",
        "Patrol interval outside flood season",
        "S",
        _PATROL,
    ),
    _T("patrol_interval_flood", 24, "h", "汛期巡查间隔（每日）", "Patrol interval in flood season", "S", _PATROL),
    _T(
        "patrol_interval_main_flood",
        12,
        "h",
        "主汛期巡查间隔（每日两次）",
        "Patrol interval in main flood season",
        "S",
        _PATROL,
    ),
    # Ordinary dams (not 一坝一人: nothing important downstream, or silted up) [I]: half as often or less.
    _T(
        "patrol_interval_off_season_ordinary",
        168,
        "h",
        "非汛期巡查间隔（一般坝，每周一次）",
        "Patrol interval outside flood season, ordinary dams",
        "I",
        _ORDINARY,
    ),
    _T(
        "patrol_interval_flood_ordinary",
        72,
        "h",
        "汛期巡查间隔（一般坝，每三日）",
        "Patrol interval in flood season, ordinary dams",
        "I",
        _ORDINARY,
    ),
    _T(
        "patrol_interval_main_flood_ordinary",
        24,
        "h",
        "主汛期巡查间隔（一般坝，每日）",
        "Patrol interval in main flood season, ordinary dams",
        "I",
        _ORDINARY,
    ),
    _T("flood_season_start", 601, "MMDD", "汛期开始", "Flood season start", "I", _NORTH),
    _T("flood_season_end", 930, "MMDD", "汛期结束", "Flood season end", "I", _NORTH),
    _T("main_flood_start", 715, "MMDD", "主汛期开始", "Main flood season start", "I", _NORTH_MAIN),
    _T("main_flood_end", 815, "MMDD", "主汛期结束", "Main flood season end", "I", _NORTH_MAIN),
    _T("rain_heavy", 25, "mm/d", "加密巡查日雨量", "Daily rain that doubles patrols", "S", _RAIN),
    _T("rain_storm", 50, "mm/d", "2小时内巡查日雨量", "Daily rain that needs a patrol within 2 h", "S", _RAIN),
    _T("storm_response", 2, "h", "暴雨后巡查时限", "Patrol deadline after a storm", "S", _RAIN),
    _T(
        "tolerable_loss",
        500,
        "t/(km²·a)",
        "容许土壤流失量",
        "Tolerable soil loss",
        "S",
        "SL 190-2007：南方红壤丘陵区500；未按地区设置时采用",
    ),
)
THRESHOLDS = Thresholds({t.name: t for t in _THRESHOLDS})

# ---------------------------------------------------------------------------------------------
# Enumerations. Codes are ASCII and stable; labels are Chinese and English.
# ---------------------------------------------------------------------------------------------
REGISTER_STATUS = enum("register_status", ("registered", "在册", "Registered"), ("delisted", "销号", "De-listed"))
DAM_SCALE = enum(
    "dam_scale",
    ("backbone", "骨干坝（大型）", "Backbone (large)"),
    ("medium", "中型坝", "Medium"),
    ("small", "小型坝", "Small"),
    ("tiny", "未达小型", "Below small"),
    source="I",
)
DAM_COMPOSITION = enum(
    "dam_composition",
    ("one", "一大件（坝体）", "Dam body only"),
    ("two", "两大件（坝体+放水建筑物）", "Dam body + outlet works"),
    ("three", "三大件（坝体+放水建筑物+溢洪道）", "Dam body + outlet works + spillway"),
    source="S",
)
OUTLET_TYPE = enum(
    "outlet_type",
    ("inclined_pipe", "卧管", "Inclined intake pipe"),
    ("shaft", "竖井", "Shaft"),
    ("culvert", "涵管/涵洞", "Culvert"),
    ("none", "无", "None"),
)
DOWNSTREAM_EXPOSURE = enum(
    "downstream_exposure",
    ("residents", "居民点", "Residents"),
    ("school", "学校", "School"),
    ("industry", "工矿", "Industry/mines"),
    ("traffic", "交通", "Roads/railways"),
    ("none", "无", "None"),
)
# 办水保〔2022〕72号 [V]: important facilities downstream and not silted up → a patroller of its own.
PATROL_CLASS = enum(
    "patrol_class",
    ("dedicated", "一坝一人", "One dam, one patroller"),
    ("ordinary", "一般", "Ordinary"),
)
# Before acceptance the 项目法人 answers for a dam [V]; the stage names are ours [I].
CONSTRUCTION_STAGE = enum(
    "construction_stage",
    ("building", "在建", "Under construction"),
    ("built", "已建成未验收", "Built, not yet accepted"),
    ("operating", "已验收运行", "Accepted, in operation"),
    source="I",
)
DELIST_CAUSE = enum(
    "delist_cause",
    ("silted_up", "淤满失效", "Silted up, no longer effective"),
    ("breached", "垮坝", "Breached"),
    ("converted", "改建为水库/塘坝", "Converted to a reservoir or pond"),
    ("merged", "并入其他工程", "Merged into another project"),
    ("other", "其他", "Other"),
)
HAZARD_STATUS = enum(
    "hazard_status",
    ("normal", "正常", "Normal"),
    ("dangerous", "病险", "Dangerous"),
    ("reinforcing", "除险加固中", "Being reinforced"),
    ("cleared", "已除险", "Reinforced"),
)
INSPECTION_KIND = enum(
    "inspection_kind",
    ("pre_flood", "汛前检查", "Pre-flood-season check"),
    ("flood_patrol", "汛期巡查", "Flood-season patrol"),
    ("post_flood", "汛后检查", "Post-flood-season check"),
    ("special", "特别检查", "Special check (heavy rain/earthquake)"),
    ("hazard_survey", "隐患排查", "Hazard investigation"),
    ("silting_survey", "淤积调查", "Silting survey"),
    ("completion", "竣工验收", "Completion acceptance"),
)
CRACK_TYPE = enum(
    "crack_type",
    ("none", "无", "None"),
    ("longitudinal", "纵向", "Longitudinal"),
    ("transverse", "横向", "Transverse"),
    ("mesh", "龟裂", "Mesh"),
)
SEEPAGE = enum(
    "seepage",
    ("none", "无", "None"),
    ("diffuse", "散浸", "Diffuse"),
    ("concentrated", "集中渗漏", "Concentrated leak"),
    ("piping", "管涌", "Piping"),
)
INSPECTION_RESULT = enum(
    "inspection_result",
    ("no_hazard", "无隐患", "No hazard"),
    ("general", "一般隐患", "General hazard"),
    ("major", "重大隐患", "Major hazard"),
)
HAZARD_SEVERITY = enum("hazard_severity", ("general", "一般隐患", "General"), ("major", "重大隐患", "Major"))
POSITION_SOURCE = enum(
    "position_source",
    ("gps", "GPS定位", "GPS"),
    ("map", "地图点选", "Picked on the map"),
    ("none", "无", "None"),
)
PASS_FAIL = enum("pass_fail", ("pass", "通过", "Pass"), ("fail", "不通过", "Fail"))
QUALITY = enum("quality", ("qualified", "合格", "Qualified"), ("unqualified", "不合格", "Unqualified"))

PATCH_KIND = enum("patch_kind", ("benggang", "崩岗", "Collapsing gully"), ("gully", "侵蚀沟", "Erosion gully"))
SIZE_CLASS = enum(
    "size_class",
    ("large", "大型", "Large"),
    ("medium", "中型", "Medium"),
    ("small", "小型", "Small"),
    source="I",
)
BENGGANG_SHAPE = enum(
    "benggang_shape",
    ("scoop", "瓢形", "Scoop"),
    ("strip", "条形", "Strip"),
    ("claw", "爪形", "Claw"),
    ("arc", "弧形", "Arc"),
    ("mixed", "混合形", "Mixed"),
)
BENGGANG_ACTIVITY = enum(
    "benggang_activity", ("active", "活动型", "Active"), ("stable", "相对稳定型", "Relatively stable")
)
GULLY_STATUS = enum("gully_status", ("developing", "发展型", "Developing"), ("stable", "稳定型", "Stable"))
DEVELOPMENT_STAGE = enum(
    "development_stage",
    ("young", "幼年期", "Young"),
    ("mature", "壮年期", "Mature"),
    ("old", "老年期", "Old"),
    source="I",
)
GULLY_HAZARD = enum(
    "gully_hazard",
    ("houses", "房屋", "Houses"),
    ("roads", "道路", "Roads"),
    ("farmland", "耕地", "Farmland"),
    ("water", "河湖塘库", "Rivers/lakes/ponds"),
)
TREATMENT_STATUS = enum(
    "treatment_status",
    ("untreated", "未治理", "Untreated"),
    ("treating", "治理中", "Being treated"),
    ("completed", "已完工", "Completed"),
    ("accepted", "已验收", "Accepted"),
)
TREATMENT_MODE = enum(
    "treatment_mode",
    ("ecological", "生态型", "Ecological"),
    ("economic", "经济型", "Economic"),
    ("integrated", "综合型", "Integrated"),
)
UNIT = enum(
    "unit",
    ("m", "米", "m"),
    ("m2", "平方米", "m²"),
    ("m3", "立方米", "m³"),
    ("hm2", "公顷", "hm²"),
    ("count", "座/处", "count"),
)
PATCH_MEASURE = enum(
    "patch_measure",
    ("intercept_ditch", "截水沟", "Intercepting ditch"),
    ("drainage_ditch", "排水沟", "Drainage ditch"),
    ("gully_head", "沟头防护", "Gully-head protection"),
    ("drop", "跌水", "Drop structure"),
    ("slope_cutting", "削坡/修台", "Slope cutting/terracing"),
    ("check_weir", "谷坊", "Check weir"),
    ("silt_dam", "拦沙坝", "Silt-retaining dam"),
    ("retaining_wall", "挡土墙", "Retaining wall"),
    ("settling_basin", "沉沙池", "Settling basin"),
    ("trees", "乔木", "Trees"),
    ("shrubs", "灌木", "Shrubs"),
    ("grass", "种草", "Grass"),
    ("closure", "封育", "Closure"),
)
# 崩岗 treatment "上截-中削-下堵-内外绿化" [V, 江西省水土保持科学研究院]; which measure sits where [I].
MEASURE_POSITION = enum(
    "measure_position",
    ("top", "上截", "Top: intercept"),
    ("middle", "中削", "Middle: cut"),
    ("bottom", "下堵", "Bottom: block"),
    ("greening", "内外绿化", "Greening inside and around"),
)
MEASURE_POSITIONS = {
    "intercept_ditch": "top", "drainage_ditch": "top", "gully_head": "top", "drop": "top",
    "slope_cutting": "middle",
    "check_weir": "bottom", "silt_dam": "bottom", "retaining_wall": "bottom", "settling_basin": "bottom",
    "trees": "greening", "shrubs": "greening", "grass": "greening", "closure": "greening",
}  # fmt: skip
# "根据风险等级高低扎实有序推进崩岗治理" (Jiangxi 2023) [V]; the three levels are ours [I].
RISK_LEVEL = enum(
    "risk_level",
    ("high", "高风险", "High"),
    ("medium", "中风险", "Medium"),
    ("low", "低风险", "Low"),
    source="I",
)
EROSION_INTENSITY = enum(
    "erosion_intensity",
    ("slight", "微度", "Slight"),
    ("light", "轻度", "Light"),
    ("moderate", "中度", "Moderate"),
    ("strong", "强烈", "Strong"),
    ("very_strong", "极强烈", "Very strong"),
    ("severe", "剧烈", "Severe"),
    source="S",
)
WATERSHED_PROJECT = enum(
    "watershed_project",
    ("comprehensive", "综合治理", "Comprehensive treatment"),
    ("eco_clean", "生态清洁", "Ecological clean"),
    ("slope_farmland", "坡耕地治理", "Sloping farmland"),
    ("other", "其他", "Other"),
)
# Subtypes in the seeds: 赣县 (生态清洁型、生态经济型、生态旅游型), 雅安 (水源保护型、生态旅游型、
# 绿色产业型、和谐宜居型、休闲康养型) [V].
WATERSHED_SUBTYPE = enum(
    "watershed_subtype",
    ("eco_clean", "生态清洁型", "Ecological clean"),
    ("eco_economic", "生态经济型", "Ecological economy"),
    ("eco_tourism", "生态旅游型", "Ecological tourism"),
    ("water_source", "水源保护型", "Water-source protection"),
    ("green_industry", "绿色产业型", "Green industry"),
    ("livable", "和谐宜居型", "Harmonious and livable"),
    ("wellness", "休闲康养型", "Leisure and wellness"),
    ("other", "其他", "Other"),
)
# Surface water quality classes (GB 3838-2002); a 生态清洁 outlet reaches class III [S].
WATER_CLASS = enum(
    "water_class",
    ("1", "Ⅰ类", "Class I"),
    ("2", "Ⅱ类", "Class II"),
    ("3", "Ⅲ类", "Class III"),
    ("4", "Ⅳ类", "Class IV"),
    ("5", "Ⅴ类", "Class V"),
    ("6", "劣Ⅴ类", "Worse than class V"),
)
# Why a computed acceptance verdict fails (what a signed failure records).
ACCEPTANCE_FAILURE = enum(
    "acceptance_failure",
    ("pass_rate", "抽查合格率不足", "Too few sampled spots pass"),
    ("survival_rate", "保存率不足", "Survival/preservation rate too low"),
    ("treatment_degree", "治理度不足", "Treatment degree too low"),
    ("sewage_rate", "生活污水处理率不足", "Sewage treatment rate too low"),
    ("refuse_rate", "生活垃圾无害化处理率不足", "Refuse treatment rate too low"),
    ("outlet_water", "出口断面水质未达标", "Outlet water quality below the required class"),
    ("clean_missing", "生态清洁指标未填写", "Ecological-clean indicators not recorded"),
)
UPKEEP_RESULT = enum(
    "upkeep_result",
    ("good", "管护良好", "Well kept"),
    ("fair", "需整改", "Needs work"),
    ("poor", "管护缺失", "Not kept"),
)
SPOT_MEASURE = enum(
    "spot_measure",
    ("terrace", "梯田", "Terraces"),
    ("afforestation", "造林", "Afforestation"),
    ("grass", "种草", "Grass"),
    ("orchard", "经果林", "Orchard"),
    ("check_weir", "谷坊", "Check weir"),
    ("silt_dam", "拦沙坝", "Silt-retaining dam"),
    ("pond", "塘堰", "Pond"),
    ("gully_head", "沟头防护", "Gully-head protection"),
    ("bank_protection", "护岸", "Bank protection"),
    ("canal", "渠道", "Canal"),
    ("drainage_ditch", "排水沟", "Drainage ditch"),
    ("closure", "封育", "Closure"),
)
# Measures of which each built unit is one acceptance unit and always sampled [S].
STRUCTURE_MEASURES = ("check_weir", "silt_dam", "pond", "gully_head")
ACCEPTANCE_KIND = enum(
    "acceptance_kind",
    ("single", "单项措施验收", "Single-measure acceptance"),
    ("stage", "阶段验收", "Stage acceptance"),
    ("completion", "竣工验收", "Completion acceptance"),
)

# Targets (目标任务) of a county's plans: what each indicator counts and the units it may be set in.
TARGET_INDICATOR = enum(
    "target_indicator",
    ("benggang_treated", "治理崩岗", "Collapsing gullies treated"),
    ("watersheds_built", "建成小流域", "Small watersheds built"),
    ("treated_area", "新增水土流失治理面积", "Newly treated eroded area"),
    ("conservation_rate", "水土保持率", "Soil and water conservation rate"),
    ("dams_new", "新建淤地坝", "New check dams"),
    ("dams_reinforced", "病险淤地坝除险加固", "Dangerous check dams reinforced"),
    ("hazards_closed", "隐患整改销号率", "Share of hazards closed"),
)
TARGET_UNIT = enum(
    "target_unit",
    ("item", "座", "items"),
    ("watershed", "条", "watersheds"),
    ("km2", "平方公里", "km²"),
    ("hm2", "公顷", "hm²"),
    ("percent", "%", "%"),
)
# indicator -> the units a target of it may use (the first is the usual one).
TARGET_UNITS = {
    "benggang_treated": ("item",),
    "watersheds_built": ("watershed",),
    "treated_area": ("km2", "hm2"),
    "conservation_rate": ("percent",),
    "dams_new": ("item",),
    "dams_reinforced": ("item",),
    "hazards_closed": ("percent",),
}

# Remote-sensing supervision (遥感监管, DOMAIN §5). Issued spots, what the county finds on site,
# what it determines, and how a spot is rectified and de-listed.
RS_ISSUER = enum(
    "rs_issuer", ("ministry", "部级", "Ministry"), ("province", "省级", "Province"), ("city", "市级", "Prefecture")
)
RS_DISTURBANCE = enum(
    "rs_disturbance",
    ("spoil", "弃土（渣）场", "Spoil dump"),
    ("borrow", "取土（石）场", "Borrow pit or quarry"),
    ("other", "其他扰动", "Other disturbance"),
    ("non_production", "非生产建设项目", "Not a production or construction project"),
    source="S",
)
RS_PROJECT_TYPE = enum(
    "rs_project_type",
    ("real_estate", "房地产", "Real estate"),
    ("transport", "交通", "Transport"),
    ("energy", "能源", "Energy"),
    ("industry", "工业", "Industry"),
    ("mining", "矿山采石", "Mining and quarrying"),
    ("water", "水利", "Water works"),
    ("agri_forestry", "农林开发", "Farm and forest development"),
    ("urban", "城镇建设", "Urban construction"),
    ("social", "社会事业", "Public services"),
    ("other", "其他", "Other"),
    source="I",
)
RS_DETERMINATION = enum(
    "rs_determination",
    ("compliant", "合规", "Compliant"),
    ("unapproved_build", "未批先建", "Built before plan approval"),
    ("unapproved_dump", "未批先弃", "Dumped before plan approval"),
    ("beyond_scope", "超出防治责任范围", "Beyond the responsibility area"),
    ("unaccepted_operation", "未验先投", "In use before acceptance"),
    ("non_production", "非生产建设项目", "Not a production or construction project"),
    ("other", "其他", "Other"),
)
CONSTRUCTION_STATUS = enum(
    "construction_status",
    ("not_started", "未开工", "Not started"),
    ("stopped", "停工", "Stopped"),
    ("building", "施工", "Under construction"),
    ("finished", "完工", "Finished"),
    ("accepted", "已验收", "Accepted"),
    source="S",
)
RS_NOTICE = enum(
    "rs_notice",
    ("plan_notice", "限期编报水土保持方案通知书", "Notice to submit a conservation plan"),
    ("rectify_notice", "限期整改通知书", "Rectification notice"),
    ("stop_order", "责令停止违法行为通知书", "Order to stop the violation"),
    ("other", "其他通知", "Other notice"),
)
RS_EVIDENCE = enum(
    "rs_evidence",
    ("plan_approval", "水土保持方案批复", "Conservation plan approval"),
    ("plan_change_approval", "水土保持方案变更批复", "Approval of a plan change"),
    ("acceptance_filing", "水土保持设施验收报备回执", "Acceptance filing receipt"),
    ("restoration", "恢复治理（复绿）核查", "Site restored (checked)"),
    ("penalty_closed", "行政处罚结案", "Penalty case closed"),
    ("other", "其他佐证", "Other evidence"),
)
# Determinations that close a spot at 认定: nothing to rectify [V: 合规 / 非生产建设项目 close there].
RS_CLOSE_AT_DETERMINATION = ("compliant", "non_production")
RS_VIOLATIONS = ("unapproved_build", "unapproved_dump", "beyond_scope", "unaccepted_operation", "other")
# The evidence a violation closes with [I: 民乐 "销号 by uploading 《水土保持方案批复》" for 未批先建;
# the others by analogy — a site may also be restored instead]. "other" takes any evidence.
RS_EVIDENCE_FOR = {
    "unapproved_build": ("plan_approval", "restoration", "penalty_closed"),
    "unapproved_dump": ("plan_approval", "plan_change_approval", "restoration"),
    "beyond_scope": ("plan_change_approval", "restoration"),
    "unaccepted_operation": ("acceptance_filing",),
    "other": RS_EVIDENCE.codes(),
}
# Evidence that is a document with a number; the rest is described in words.
RS_NUMBERED_EVIDENCE = ("plan_approval", "plan_change_approval", "acceptance_filing", "penalty_closed")

ENUMERATIONS = {
    e.name: e
    for e in (
        REGISTER_STATUS,
        DAM_SCALE,
        DAM_COMPOSITION,
        OUTLET_TYPE,
        DOWNSTREAM_EXPOSURE,
        HAZARD_STATUS,
        INSPECTION_KIND,
        CRACK_TYPE,
        SEEPAGE,
        INSPECTION_RESULT,
        HAZARD_SEVERITY,
        POSITION_SOURCE,
        PASS_FAIL,
        QUALITY,
        PATCH_KIND,
        SIZE_CLASS,
        BENGGANG_SHAPE,
        BENGGANG_ACTIVITY,
        GULLY_STATUS,
        DEVELOPMENT_STAGE,
        GULLY_HAZARD,
        TREATMENT_STATUS,
        TREATMENT_MODE,
        UNIT,
        PATCH_MEASURE,
        EROSION_INTENSITY,
        WATERSHED_PROJECT,
        SPOT_MEASURE,
        ACCEPTANCE_KIND,
        TARGET_INDICATOR,
        TARGET_UNIT,
        PATROL_CLASS,
        CONSTRUCTION_STAGE,
        DELIST_CAUSE,
        MEASURE_POSITION,
        RISK_LEVEL,
        WATERSHED_SUBTYPE,
        WATER_CLASS,
        ACCEPTANCE_FAILURE,
        UPKEEP_RESULT,
        RS_ISSUER,
        RS_DISTURBANCE,
        RS_PROJECT_TYPE,
        RS_DETERMINATION,
        CONSTRUCTION_STATUS,
        RS_NOTICE,
        RS_EVIDENCE,
    )  # fmt: skip
}

# ---------------------------------------------------------------------------------------------
# Fields every record carries. Sync owns server_rev; the audit fields are filled on save.
# ---------------------------------------------------------------------------------------------
AUDIT_FIELDS = (
    Field("uuid", TEXT, "全局标识", "Global id", required_at=("*",), max_length=36),
    Field("county_code", TEXT, "县级行政区划代码", "County code", required_at=("*",), max_length=6),
    Field("created_at", DATETIME, "创建时间", "Created at"),
    Field("created_by", TEXT, "创建人", "Created by", max_length=64),
    Field("updated_at", DATETIME, "修改时间", "Updated at"),
    Field("updated_by", TEXT, "修改人", "Updated by", max_length=64),
    Field("server_rev", INT, "服务器版本", "Server revision", default=0),
)
AUDIT_FIELD_NAMES = tuple(f.name for f in AUDIT_FIELDS)


# Every text field has a maximum length (one sync value cannot grow a county's pull without
# bound): TEXT_MAX_LENGTH, or a page of Chinese for free-text notes; a field may set its own.
TEXT_MAX_LENGTH = 200
LONG_TEXT_MAX_LENGTH = 2000
LONG_TEXT_FIELDS = frozenset(
    {"note", "opinion", "measures", "measure", "description", "rectification_note", "delist_reason", "caption"}
)


def _f(name, type_, zh, en, **kw) -> Field:
    if type_ == TEXT:
        kw.setdefault("max_length", LONG_TEXT_MAX_LENGTH if name in LONG_TEXT_FIELDS else TEXT_MAX_LENGTH)
    return Field(name, type_, zh, en, **kw)


def _e(name, enumeration, zh, en, **kw) -> Field:
    return Field(name, ENUM, zh, en, enum=enumeration, **kw)


def _multi(name, enumeration, zh, en, **kw) -> Field:
    return Field(name, MULTI_ENUM, zh, en, enum=enumeration, **kw)


def _ref(name, parent, zh, en) -> Field:
    return Field(name, REF, zh, en, ref=parent, required_at=("*",))


def _delisting(approved: bool = False) -> tuple[Field, ...]:
    """Register status and de-listing. `approved`: a dam's 登记销号 names its cause from a list, the
    approving document and authority; its written reason is needed for "other" (and see rules)."""
    status = _e("register_status", REGISTER_STATUS, "登记状态", "Register status", default="registered",
                required_at=("*",))  # fmt: skip
    date = _f("delist_date", DATE, "销号日期", "De-listing date", required_at=("delisted",))
    if not approved:
        return (status, _f("delist_reason", TEXT, "销号原因", "De-listing reason", required_at=("delisted",)), date)
    return (
        status,
        _e("delist_cause", DELIST_CAUSE, "销号原因", "De-listing cause", required_at=("delisted",)),
        _f("delist_reason", TEXT, "销号说明", "De-listing explanation"),
        _f("delist_document", TEXT, "批准文号", "Approving document number", required_at=("delisted",)),
        _f("delist_authority", TEXT, "批准机关", "Approving authority", required_at=("delisted",)),
        date,
    )


# Bounds of counts the model cannot take from a standard [I]: a 崩岗 or gully threatens at most a
# few villages; a cluster or a gully system has at most hundreds of members.
PEOPLE_MAX = 100_000
COUNT_MAX = 10_000

# What a de-listed record still takes (its de-listing completed or corrected); any other edit of it
# is a conflict until it is re-registered. One list for the server's merge and the laptop's pull.
DELIST_FIELDS = frozenset(f.name for approved in (False, True) for f in _delisting(approved))


def _caretaker(required_at: tuple[str, ...] = ()) -> tuple[Field, ...]:
    """The 管护员 of a treated patch or spot ("明确管护主体，落实管护责任", four seeds [V])."""
    return (
        _f("caretaker", TEXT, "管护员", "Caretaker", required_at=required_at),
        _f("caretaker_phone", TEXT, "管护员电话", "Caretaker phone", max_length=40, format="phone",
           required_at=required_at),
    )  # fmt: skip


def _workflow(state_field, steps, transitions, initial, final) -> Workflow:
    return Workflow(
        state_field,
        tuple(Step(*st) for st in steps),
        tuple(Transition(*t) for t in transitions),
        initial=initial,
        final=final,
    )


_INSPECTORS = ("inspector", "technician")
_ANY_FIELD_ROLE = ("inspector", "technician", "acceptor")

# ---------------------------------------------------------------------------------------------
# Workflows: steps, allowed transitions and the roles that may perform each. Admin may do all.
# ---------------------------------------------------------------------------------------------
WF_REGISTER = _workflow(
    "register_status",
    (("registered", "在册", "Registered"), ("delisted", "销号", "De-listed")),
    (
        ("registered", "delisted", ("technician",), "登记销号", "De-list"),
        ("delisted", "registered", ("admin",), "恢复在册", "Re-register"),
    ),
    "registered", ("delisted",),
)  # fmt: skip
_DRAFT_SUBMITTED = (("draft", "草稿", "Draft"), ("submitted", "已提交", "Submitted"))
WF_INSPECTION = _workflow(
    "step", _DRAFT_SUBMITTED,
    (
        ("draft", "submitted", _INSPECTORS, "提交检查", "Submit inspection"),
        ("submitted", "draft", ("technician",), "退回检查", "Return inspection for correction"),
    ),
    "draft", ("submitted",),
)  # fmt: skip
WF_SURVEY = _workflow(
    "step", _DRAFT_SUBMITTED,
    (
        ("draft", "submitted", _INSPECTORS, "提交调查", "Submit survey"),
        ("submitted", "draft", ("technician",), "退回调查", "Return survey for correction"),
    ),
    "draft", ("submitted",),
)  # fmt: skip
WF_HAZARD = _workflow(
    "step",
    (("open", "待整改", "Open"), ("rectified", "已整改", "Rectified"),
     ("rechecked", "已复查", "Re-checked"), ("closed", "已销号", "Closed (销号)")),
    (
        ("open", "rectified", _INSPECTORS, "记录整改", "Record rectification"),
        ("rectified", "rechecked", _INSPECTORS, "隐患复查", "Re-check hazard"),
        ("rechecked", "open", _INSPECTORS, "复查不合格，重新整改", "Re-open after failed re-check"),
        ("rechecked", "closed", ("technician",), "隐患销号", "Close hazard (销号)"),
    ),
    "open", ("closed",),
)  # fmt: skip
WF_TREATMENT = _workflow(
    "treatment_status",
    tuple((c.code, c.zh, c.en) for c in TREATMENT_STATUS.choices),
    (
        ("untreated", "treating", ("technician",), "开始治理", "Start treatment"),
        ("treating", "completed", _INSPECTORS, "治理完工", "Mark treatment completed"),
        ("completed", "treating", ("technician",), "返工治理", "Back to treatment"),
        ("completed", "accepted", ("acceptor",), "治理验收通过", "Mark treatment accepted"),
    ),
    "untreated", ("accepted",),
)  # fmt: skip
WF_MEASURE = _workflow(
    "step",
    (("planned", "设计", "Planned"), ("built", "已建成", "Built"), ("accepted", "已验收", "Accepted")),
    (
        ("planned", "built", _INSPECTORS, "措施建成", "Record measure as built"),
        ("built", "planned", ("technician",), "退回措施", "Return measure"),
        ("built", "accepted", ("acceptor",), "措施验收", "Accept measure"),
    ),
    "planned", ("accepted",),
)  # fmt: skip
WF_PATCH_ACCEPTANCE = _workflow(
    "step",
    (("draft", "草稿", "Draft"), ("checked", "已核查", "Checked"), ("signed", "已签署", "Signed")),
    (
        ("draft", "checked", _ANY_FIELD_ROLE, "完成验收核查", "Record acceptance checks"),
        ("checked", "draft", ("technician", "acceptor"), "退回验收", "Return acceptance"),
        ("checked", "signed", ("acceptor",), "签署验收", "Sign acceptance"),
    ),
    "draft", ("signed",),
)  # fmt: skip
WF_SPOT = _workflow(
    "step",
    (("planned", "设计", "Planned"), ("completed", "已完成", "Completed")),
    (
        ("planned", "completed", _INSPECTORS, "图斑完成", "Record spot as completed"),
        ("completed", "planned", ("technician",), "退回图斑", "Return spot"),
    ),
    "planned", ("completed",),
)  # fmt: skip
WF_WATERSHED_ACCEPTANCE = _workflow(
    "step",
    (("draft", "草稿", "Draft"), ("sampled", "已抽样", "Sampled"),
     ("checked", "已核查", "Checked"), ("signed", "已签署", "Signed")),
    (
        ("draft", "sampled", ("technician", "acceptor"), "抽取样本", "Draw sample"),
        ("sampled", "checked", _ANY_FIELD_ROLE, "完成抽查核查", "Finish spot checks"),
        ("checked", "sampled", ("technician", "acceptor"), "退回核查", "Back to checks"),
        ("checked", "signed", ("acceptor",), "签署验收", "Sign acceptance"),
    ),
    "draft", ("signed",),
)  # fmt: skip
WF_CHECK = _workflow(
    "step",
    (("pending", "待核查", "Pending"), ("checked", "已核查", "Checked")),
    (
        ("pending", "checked", _ANY_FIELD_ROLE, "记录图斑核查", "Record spot check"),
        ("checked", "pending", ("technician", "acceptor"), "退回图斑核查", "Return spot check"),
    ),
    "pending", ("checked",),
)  # fmt: skip


def _step_field(enum_name: str, workflow: Workflow) -> Field:
    """The field that holds a record's workflow step, its enumeration made from the steps."""
    steps = enum(enum_name, *((st.code, st.zh, st.en) for st in workflow.steps))
    ENUMERATIONS[enum_name] = steps
    return Field(
        workflow.state_field, ENUM, "流程步骤", "Workflow step",
        enum=steps, default=workflow.initial, required_at=("*",),
    )  # fmt: skip


def _person(prefix: str, zh: str, en: str) -> tuple[Field, ...]:
    return (
        _f(f"{prefix}_person", TEXT, f"{zh}责任人", f"{en} responsible person", required_at=("registered",)),
        _f(f"{prefix}_phone", TEXT, f"{zh}责任人电话", f"{en} responsible person phone", max_length=40, format="phone"),
    )


# ---------------------------------------------------------------------------------------------
# 1. Check dams (淤地坝)
# ---------------------------------------------------------------------------------------------
DAM = RecordKind(
    "dam", "淤地坝", "Check dam", "Point",
    fields=AUDIT_FIELDS + (
        _f("code", TEXT, "淤地坝编码", "Dam code", required_at=("*",), max_length=32),
        _f("name", TEXT, "淤地坝名称", "Dam name", required_at=("*",)),
        _f("township", TEXT, "乡镇", "Township"),
        _f("village", TEXT, "村", "Village"),
        _f("watershed_code", TEXT, "所在小流域编码", "Small watershed code"),
        _e("scale", DAM_SCALE, "坝型规模", "Scale", derived="dam_scale"),
        _f("control_area", REAL, "控制面积", "Control area", unit="km²", minimum=0),
        _f("dam_height", REAL, "坝高", "Dam height", unit="m", minimum=0, maximum=100),
        _f("crest_length", REAL, "坝顶长", "Crest length", unit="m", minimum=0),
        _f("crest_width", REAL, "坝顶宽", "Crest width", unit="m", minimum=0),
        _f("crest_elevation", REAL, "坝顶高程", "Crest elevation", unit="m"),
        _f("total_storage", REAL, "总库容", "Total storage", unit="万m³", minimum=0, required_at=("registered",)),
        _f("silt_storage", REAL, "拦泥库容", "Silt storage", unit="万m³", minimum=0),
        _f("flood_storage", REAL, "滞洪库容", "Flood-detention storage", unit="万m³", minimum=0),
        _f("silted_storage", REAL, "已淤库容", "Already silted storage", unit="万m³", minimum=0),
        _f("design_silt_elevation", REAL, "设计淤积高程", "Design silt elevation", unit="m"),
        _f("current_silt_elevation", REAL, "现状淤积高程", "Current silt elevation", unit="m"),
        _f("silted_farmland", REAL, "已淤地面积", "Silted farmland", unit="hm²", minimum=0),
        _f("year_built", INT, "建成年份", "Year built", minimum=1950, maximum=2100),
        _f("year_reinforced", INT, "除险加固年份", "Year reinforced", minimum=1950, maximum=2100),
        _e("construction_stage", CONSTRUCTION_STAGE, "建设阶段", "Construction stage"),
        _f("legal_person", TEXT, "项目法人", "Project legal person"),
        _f("legal_person_phone", TEXT, "项目法人电话", "Project legal person phone", max_length=40, format="phone"),
        _e("composition", DAM_COMPOSITION, "工程组成", "Composition"),
        _e("outlet_type", OUTLET_TYPE, "放水建筑物型式", "Outlet works type"),
        _f("has_spillway", BOOL, "有溢洪道", "Has spillway", default=False),
        _multi("downstream_exposure", DOWNSTREAM_EXPOSURE, "下游影响对象", "Downstream exposure"),
        *_person("admin", "行政", "Administrative"),
        *_person("tech", "技术", "Technical"),
        *_person("patrol", "巡查", "Patrol"),
        _e("patrol_class", PATROL_CLASS, "巡查类别", "Patrol class", derived="patrol_class"),
        _f("dedicated_patroller", BOOL, "一坝一人专职巡查", "Dedicated patroller (一坝一人)", default=False),
        _f("monitoring", TEXT, "监测设施", "Monitoring equipment"),
        _f("maintenance_body", TEXT, "管护主体", "Maintenance body"),
        _e("hazard_status", HAZARD_STATUS, "安全状况", "Hazard status", default="normal", required_at=("*",)),
        _f("last_inspected_at", DATETIME, "最近巡查时间", "Last inspected at"),
        *_delisting(approved=True),
    ),
    workflow=WF_REGISTER,
    rules=(
        RequiredWhen("legal_person", "construction_stage", ("building", "built"), ("*",),
                     "在建或未验收的淤地坝须填写项目法人", "A dam not yet accepted needs its project legal person"),
        RequiredWhen("legal_person_phone", "construction_stage", ("building", "built"), ("*",),
                     "在建或未验收的淤地坝须填写项目法人电话",
                     "A dam not yet accepted needs its project legal person's phone"),
        RequiredWhen("delist_reason", "delist_cause", ("other",), ("delisted",),
                     "销号原因为“其他”时须写明销号说明", "An 'other' de-listing cause needs an explanation"),
    ),
    code_field="code", title_field="name", status_field="hazard_status", object_kind="dam", delisting=True,
)  # fmt: skip

DAM_INSPECTION = RecordKind(
    "dam_inspection", "淤地坝检查", "Dam inspection", "Point",
    parent="dam", parent_field="dam_uuid", object_kind="dam",
    fields=AUDIT_FIELDS + (
        _ref("dam_uuid", "dam", "淤地坝", "Dam"),
        _e("kind", INSPECTION_KIND, "检查类型", "Inspection kind", required_at=("draft",)),
        _f("inspected_at", DATETIME, "检查时间", "Inspected at", required_at=("draft",)),
        _f("inspector", TEXT, "检查人", "Inspector", required_at=("draft",)),
        # dam body
        _f("flood_storage_ok", BOOL, "滞洪库容满足要求", "Flood-detention storage sufficient", required_at=("submitted",)),
        _f("settlement", REAL, "坝体沉降", "Settlement", unit="cm", minimum=0, maximum=500),
        _f("collapse_slide", BOOL, "坝体塌陷/滑坡", "Collapse or slide", default=False),
        _e("crack_type", CRACK_TYPE, "裂缝", "Cracks", default="none", required_at=("submitted",)),
        _f("crack_length", REAL, "裂缝长度", "Crack length", unit="m", minimum=0),
        _f("crack_width", REAL, "裂缝宽度", "Crack width", unit="mm", minimum=0, maximum=1000),
        _f("face_scour", BOOL, "坝坡冲沟", "Scour gullies on faces", default=False),
        _f("animal_burrows", BOOL, "动物洞穴", "Animal burrows", default=False),
        _e("seepage", SEEPAGE, "渗漏", "Seepage", default="none", required_at=("submitted",)),
        _f("seepage_location", TEXT, "渗漏位置", "Seepage location"),
        _f("seepage_flow", REAL, "渗漏量", "Seepage flow", unit="L/s", minimum=0),
        # outlet works
        _f("outlet_blocked", BOOL, "进水口堵塞", "Inlet blocked", default=False),
        _f("outlet_damaged", BOOL, "涵管断裂/漏水", "Conduit broken or leaking", default=False),
        _f("outlet_basin_damaged", BOOL, "消力池/尾水渠损坏", "Stilling basin/tailrace damaged", default=False),
        _f("outlet_operable", BOOL, "放水设施可正常运行", "Outlet operable", default=True),
        # spillway
        _f("spillway_blocked", BOOL, "溢洪道堵塞/侵占", "Spillway blocked or encroached", default=False),
        _f("spillway_scour", BOOL, "溢洪道冲刷", "Spillway scour", default=False),
        _f("spillway_lining_damaged", BOOL, "溢洪道衬砌损坏", "Spillway lining damaged", default=False),
        # silt
        _f("silt_elevation", REAL, "实测淤积高程", "Measured silt elevation", unit="m"),
        _f("height_to_spillway", REAL, "淤积面距溢洪道底高差", "Height to spillway crest", unit="m"),
        _f("remaining_flood_storage", REAL, "剩余滞洪库容", "Remaining flood-detention storage", unit="万m³", minimum=0),
        _f("illegal_storage", BOOL, "违规蓄水", "Illegal water storage", default=False),
        # flood readiness
        _f("persons_on_duty", BOOL, "责任人到岗", "Responsible persons on duty", default=True),
        _f("emergency_plan", BOOL, "有应急预案", "Emergency plan in place", default=True),
        _f("materials_ready", BOOL, "防汛物资到位", "Flood materials ready", default=True),
        _f("warning_signs", BOOL, "警示标志完好", "Warning signs in place", default=True),
        _f("monitoring_online", BOOL, "监测设施在线", "Monitoring online", default=True),
        # result
        _e("result", INSPECTION_RESULT, "检查结论", "Result", required_at=("submitted",)),
        # A finding at a flag that still ends in 无隐患 says why (rules.inspection_flags).
        _f("flag_reason", TEXT, "无隐患判定理由", "Why no hazard despite a flag"),
        _f("measures", TEXT, "处理措施", "Measures"),
        _f("deadline", DATE, "整改期限", "Deadline"),
        _e("position_source", POSITION_SOURCE, "位置来源", "Position source", required_at=("submitted",)),
        _f("distance_to_object", REAL, "距坝距离", "Distance to the dam", unit="m", derived="distance_to_parent"),
        _f("signature", TEXT, "检查人签名", "Inspector signature", required_at=("submitted",)),
        _step_field("inspection_step", WF_INSPECTION),
    ),
    workflow=WF_INSPECTION,
    rules=(
        RequiredWhen("measures", "result", ("general", "major"), ("submitted",),
                     "有隐患时必须填写处理措施", "A hazard needs measures"),
        RequiredWhen("deadline", "result", ("general", "major"), ("submitted",),
                     "有隐患时必须填写整改期限", "A hazard needs a deadline"),
        RequiredWhen("crack_width", "crack_type", ("longitudinal", "transverse", "mesh"), ("submitted",),
                     "有裂缝时必须填写裂缝宽度", "Cracks need their width"),
        RequiredWhen("seepage_location", "seepage", ("diffuse", "concentrated", "piping"), ("submitted",),
                     "有渗漏时必须填写渗漏位置", "Seepage needs its location"),
    ),
    code_field="kind", title_field="inspected_at", status_field="result",
)  # fmt: skip


DAM_HAZARD = RecordKind(
    "dam_hazard", "隐患台账", "Hazard ledger", None,
    parent="dam", parent_field="dam_uuid", object_kind="dam",
    fields=AUDIT_FIELDS + (
        _ref("dam_uuid", "dam", "淤地坝", "Dam"),
        _f("inspection_uuid", TEXT, "发现隐患的检查", "Inspection that found it", ref="dam_inspection"),
        _f("description", TEXT, "隐患描述", "Hazard description", required_at=("open",)),
        _e("severity", HAZARD_SEVERITY, "隐患等级", "Severity", required_at=("open",)),
        _f("measure", TEXT, "整改措施", "Rectification measure", required_at=("open",)),
        _f("responsible_person", TEXT, "整改责任人", "Responsible person", required_at=("open",)),
        _f("deadline", DATE, "整改期限", "Deadline", required_at=("open",)),
        _f("rectified_at", DATE, "整改完成日期", "Rectified on", required_at=("rectified",)),
        _f("rectification_note", TEXT, "整改情况", "Rectification note", required_at=("rectified",)),
        _f("rechecked_at", DATE, "复查日期", "Re-checked on", required_at=("rechecked",)),
        _f("rechecked_by", TEXT, "复查人", "Re-checked by", required_at=("rechecked",)),
        _e("recheck_result", PASS_FAIL, "复查结论", "Re-check result", required_at=("rechecked",)),
        _f("closed_at", DATE, "销号日期", "Closed on", required_at=("closed",)),
        _f("closed_by", TEXT, "销号人", "Closed by", required_at=("closed",)),
        _step_field("hazard_step", WF_HAZARD),
    ),
    workflow=WF_HAZARD,
    code_field="severity", title_field="description", status_field="step",
)  # fmt: skip

# ---------------------------------------------------------------------------------------------
# 2. Gully-erosion patches: 崩岗 (collapsing gullies) and 侵蚀沟 (erosion gullies)
# ---------------------------------------------------------------------------------------------
PATCH = RecordKind(
    "patch", "侵蚀图斑", "Gully-erosion patch", "MultiPolygon",
    object_kind="patch",
    fields=AUDIT_FIELDS + (
        _f("code", TEXT, "图斑编码", "Patch code", required_at=("*",), max_length=32),
        _f("name", TEXT, "名称", "Name"),
        _e("kind", PATCH_KIND, "类型", "Kind", required_at=("*",)),
        _f("township", TEXT, "乡镇", "Township"),
        _f("village", TEXT, "村", "Village"),
        _f("watershed_code", TEXT, "所在小流域编码", "Small watershed code"),
        _f("area", REAL, "面积", "Area", unit="m²", derived="area_m2"),
        _e("size_class", SIZE_CLASS, "规模等级", "Size class", derived="patch_size_class"),
        _e("shape", BENGGANG_SHAPE, "崩岗形态", "Collapsing-gully shape"),
        _f("is_cluster", BOOL, "崩岗群", "Cluster", default=False),
        _f("cluster_members", INT, "崩岗群个数", "Cluster members", minimum=0, maximum=COUNT_MAX),
        _e("activity", BENGGANG_ACTIVITY, "活动情况", "Activity"),
        _e("gully_status", GULLY_STATUS, "侵蚀沟发育状态", "Gully development status"),
        _f("depth", REAL, "平均深度", "Mean depth", unit="m", minimum=0),
        _f("width", REAL, "宽度", "Width", unit="m", minimum=0),
        _f("length", REAL, "长度", "Length", unit="m", minimum=0),
        _f("top_width", REAL, "沟顶平均宽", "Mean top width", unit="m", minimum=0),
        _f("bottom_width", REAL, "沟底平均宽", "Mean bottom width", unit="m", minimum=0),
        _f("gradient", REAL, "沟道纵比降", "Gradient", unit="%", minimum=0, maximum=100),
        _f("catchment_area", REAL, "汇水面积", "Catchment area", unit="hm²", minimum=0),
        _f("head_lon", REAL, "沟头经度", "Head longitude", minimum=73, maximum=136),
        _f("head_lat", REAL, "沟头纬度", "Head latitude", minimum=3, maximum=54),
        _f("mouth_lon", REAL, "沟口经度", "Mouth longitude", minimum=73, maximum=136),
        _f("mouth_lat", REAL, "沟口纬度", "Mouth latitude", minimum=3, maximum=54),
        _multi("hazard_types", GULLY_HAZARD, "危害对象", "Threatens"),
        _f("soil_type", TEXT, "土壤类型", "Soil type"),
        _f("vegetation_cover", REAL, "植被覆盖度", "Vegetation cover", unit="%", minimum=0, maximum=100),
        _f("farmland_threatened", REAL, "威胁耕地", "Farmland threatened", unit="hm²", minimum=0),
        _f("people_threatened", INT, "威胁人口", "People threatened", minimum=0, maximum=PEOPLE_MAX),
        _e("risk_level", RISK_LEVEL, "风险等级", "Risk level"),
        _f("risk_assessed_on", DATE, "风险评估日期", "Risk assessed on"),
        _e("treatment_mode", TREATMENT_MODE, "治理模式", "Treatment mode"),
        _e("treatment_status", TREATMENT_STATUS, "治理状态", "Treatment status", default="untreated", required_at=("*",)),
        # Farmland the treatment made, and whether it entered 耕地占补平衡 (Jiangxi 2023, Ya'an seeds) [V].
        _f("new_farmland", REAL, "治理新增耕地", "New farmland from treatment", unit="hm²", minimum=0),
        _f("farmland_balance", BOOL, "纳入耕地占补平衡", "Entered the farmland balance", default=False),
        *_caretaker(),
        *_delisting(),
    ),
    workflow=WF_TREATMENT,
    rules=(
        RequiredWhen("risk_assessed_on", "risk_level", ("high", "medium", "low"), ("*",),
                     "填写风险等级时须填写评估日期", "A risk level needs its assessment date"),
        RequiredWhen("new_farmland", "farmland_balance", (True,), ("*",),
                     "纳入耕地占补平衡时须填写新增耕地面积", "Farmland in the balance needs its area"),
    ),
    code_field="code", title_field="name", status_field="treatment_status", delisting=True,
    delist_workflow=WF_REGISTER,
)  # fmt: skip

PATCH_SURVEY = RecordKind(
    "patch_survey", "图斑调查", "Patch survey", "Point",
    parent="patch", parent_field="patch_uuid", object_kind="patch",
    fields=AUDIT_FIELDS + (
        _ref("patch_uuid", "patch", "侵蚀图斑", "Patch"),
        _f("surveyed_at", DATETIME, "调查时间", "Surveyed at", required_at=("draft",)),
        _f("surveyor", TEXT, "调查人", "Surveyor", required_at=("draft",)),
        _f("area", REAL, "面积", "Area", unit="m²", minimum=0, required_at=("submitted",)),
        _f("depth", REAL, "平均深度", "Mean depth", unit="m", minimum=0, required_at=("submitted",)),
        _f("width", REAL, "宽度", "Width", unit="m", minimum=0, required_at=("submitted",)),
        _f("length", REAL, "长度", "Length", unit="m", minimum=0, required_at=("submitted",)),
        _e("shape", BENGGANG_SHAPE, "崩岗形态", "Collapsing-gully shape"),
        _e("development_stage", DEVELOPMENT_STAGE, "发育阶段", "Development stage"),
        _e("activity", BENGGANG_ACTIVITY, "活动情况", "Activity"),
        _f("catchment_area", REAL, "集水面积", "Catchment area", unit="m²", minimum=0),
        _f("alluvial_fan_area", REAL, "冲积扇面积", "Alluvial-fan area", unit="m²", minimum=0),
        _f("channel_length", REAL, "主沟道长", "Main channel length", unit="m", minimum=0),
        _f("channel_width", REAL, "主沟道宽", "Main channel width", unit="m", minimum=0),
        _f("channel_gradient", REAL, "主沟道比降", "Main channel gradient", unit="%", minimum=0, maximum=100),
        _f("mouth_width", REAL, "沟口宽", "Mouth width", unit="m", minimum=0),
        _f("branch_count", INT, "支沟数", "Number of branches", minimum=0, maximum=COUNT_MAX),
        _f("vegetation_cover", REAL, "植被覆盖度", "Vegetation cover", unit="%", minimum=0, maximum=100),
        _f("erosion_volume", REAL, "侵蚀量", "Erosion volume", unit="m³", minimum=0),
        _f("erosion_modulus", REAL, "侵蚀模数", "Erosion modulus", unit="t/(km²·a)", minimum=0),
        _e("erosion_intensity", EROSION_INTENSITY, "侵蚀强度", "Erosion intensity", derived="erosion_intensity"),
        _f("farmland_threatened", REAL, "威胁耕地", "Farmland threatened", unit="hm²", minimum=0),
        _f("people_threatened", INT, "威胁人口", "People threatened", minimum=0, maximum=PEOPLE_MAX),
        _f("unit_cost", REAL, "治理单价", "Treatment unit cost", unit="元", minimum=0),
        _f("note", TEXT, "备注", "Note"),
        _e("position_source", POSITION_SOURCE, "位置来源", "Position source", required_at=("submitted",)),
        _step_field("survey_step", WF_SURVEY),
    ),
    workflow=WF_SURVEY,
    code_field="surveyed_at", title_field="surveyor", status_field="step",
)  # fmt: skip

PATCH_MEASURE_KIND = RecordKind(
    "patch_measure", "治理措施", "Treatment measure", None,
    parent="patch", parent_field="patch_uuid", object_kind="patch",
    fields=AUDIT_FIELDS + (
        _ref("patch_uuid", "patch", "侵蚀图斑", "Patch"),
        _e("measure_type", PATCH_MEASURE, "措施类型", "Measure", required_at=("planned",)),
        _e("position", MEASURE_POSITION, "治理部位", "Position", derived="measure_position"),
        _e("unit", UNIT, "计量单位", "Unit", required_at=("planned",)),
        _f("design_qty", REAL, "设计数量", "Design quantity", minimum=0, required_at=("planned",)),
        _f("completed_qty", REAL, "完成数量", "Completed quantity", minimum=0, required_at=("built",)),
        _f("unit_cost", REAL, "单价", "Unit cost", unit="元", minimum=0),
        _f("completed_at", DATE, "完工日期", "Completed on", required_at=("built",)),
        _step_field("measure_step", WF_MEASURE),
    ),
    workflow=WF_MEASURE,
    code_field="measure_type", title_field="design_qty", status_field="step",
)  # fmt: skip

PATCH_ACCEPTANCE = RecordKind(
    "patch_acceptance", "图斑验收", "Patch acceptance", None,
    parent="patch", parent_field="patch_uuid", object_kind="patch",
    fields=AUDIT_FIELDS + (
        _ref("patch_uuid", "patch", "侵蚀图斑", "Patch"),
        _e("kind", ACCEPTANCE_KIND, "验收类型", "Acceptance kind", required_at=("draft",)),
        _f("accepted_at", DATE, "验收日期", "Accepted on", required_at=("checked",)),
        _f("completion_rate", REAL, "完成率", "Completion rate", unit="%", derived="measure_completion_rate"),
        _e("verdict", PASS_FAIL, "验收结论", "Verdict", required_at=("checked",)),
        _f("opinion", TEXT, "验收意见", "Opinion", required_at=("checked",)),
        _f("acceptor", TEXT, "验收人", "Acceptor", required_at=("signed",)),
        _f("signed_at", DATETIME, "签署时间", "Signed at", required_at=("signed",)),
        _step_field("patch_acceptance_step", WF_PATCH_ACCEPTANCE),
    ),
    workflow=WF_PATCH_ACCEPTANCE,
    code_field="kind", title_field="accepted_at", status_field="step",
)  # fmt: skip

# ---------------------------------------------------------------------------------------------
# 4. Small watersheds (小流域), their treatment spots (图斑) and acceptance
# ---------------------------------------------------------------------------------------------
WATERSHED = RecordKind(
    "watershed", "小流域", "Small watershed", "MultiPolygon",
    object_kind="watershed",
    fields=AUDIT_FIELDS + (
        _f("code", TEXT, "小流域编码", "Watershed code", required_at=("*",), max_length=32),
        _f("name", TEXT, "小流域名称", "Watershed name", required_at=("*",)),
        _f("county_codes", TEXT, "涉及县", "Counties covered"),
        _e("project_type", WATERSHED_PROJECT, "项目类型", "Project type", required_at=("registered",)),
        _e("subtype", WATERSHED_SUBTYPE, "小流域类型", "Watershed subtype"),
        _f("is_premium", BOOL, "精品小流域", "Premium watershed (精品)", default=False),
        _f("whole_county", BOOL, "整县推进", "Whole-county programme (整县推进)", default=False),
        _f("year", INT, "实施年度", "Year", minimum=1980, maximum=2100),
        _f("batch", TEXT, "批次", "Batch"),
        _f("area", REAL, "面积", "Area", unit="km²", derived="area_km2"),
        # Eroded area by intensity class (SL/T 534-2023 table A-4); the total is their sum.
        *(_f(f"eroded_{c}", REAL, f"{zh}侵蚀面积", f"{en} erosion area", unit="km²", minimum=0)
          for c, zh, en in (("light", "轻度", "Light"), ("moderate", "中度", "Moderate"), ("strong", "强烈", "Strong"),
                            ("very_strong", "极强烈", "Very strong"), ("severe", "剧烈", "Severe"))),
        _f("eroded_area", REAL, "水土流失面积", "Eroded area", unit="km²", derived="eroded_total"),
        _f("erosion_modulus", REAL, "平均侵蚀模数", "Mean erosion modulus", unit="t/(km²·a)", minimum=0),
        _f("forest_grass_cover", REAL, "林草覆盖率", "Forest and grass cover", unit="%", minimum=0, maximum=100),
        _f("conservation_rate", REAL, "水土保持率", "Conservation rate", unit="%", derived="conservation_rate"),
        # Completed spots' area over the eroded area, from the spots (rules.treatment_degree).
        _f("treatment_degree", REAL, "治理度", "Treatment degree", unit="%", derived="watershed_treatment_degree"),
        _e("treatment_status", TREATMENT_STATUS, "治理状态", "Treatment status", default="treating", required_at=("*",)),
        # What a 生态清洁 watershed's completion acceptance checks (SL/T 534-2023; 铜川's figures) [S].
        _f("sewage_treatment_rate", REAL, "生活污水处理率", "Sewage treatment rate", unit="%", minimum=0, maximum=100),
        _f("refuse_treatment_rate", REAL, "生活垃圾无害化处理率", "Refuse treatment rate", unit="%", minimum=0,
           maximum=100),
        _e("outlet_water_class", WATER_CLASS, "出口断面水质", "Outlet water class"),
        _f("maintenance_body", TEXT, "管护主体", "Maintenance body"),
        *_delisting(),
    ),
    workflow=WF_TREATMENT,  # 治理状态 has roles as a patch's has: accepted (已验收) only by an acceptor
    code_field="code", title_field="name", status_field="treatment_status", delisting=True,
    delist_workflow=WF_REGISTER,
)  # fmt: skip

WATERSHED_SPOT = RecordKind(
    "watershed_spot", "治理图斑", "Treatment spot", "MultiPolygon",
    parent="watershed", parent_field="watershed_uuid", object_kind="watershed",
    fields=AUDIT_FIELDS + (
        _ref("watershed_uuid", "watershed", "小流域", "Watershed"),
        _f("spot_code", TEXT, "图斑编号", "Spot code", required_at=("*",), max_length=32),
        _e("measure_type", SPOT_MEASURE, "措施类型", "Measure", required_at=("*",)),
        _e("unit", UNIT, "计量单位", "Unit", required_at=("*",)),
        _f("design_qty", REAL, "设计数量", "Design quantity", minimum=0, required_at=("*",)),
        _f("completed_qty", REAL, "完成数量", "Completed quantity", minimum=0, required_at=("completed",)),
        _f("area", REAL, "图斑面积", "Spot area", unit="hm²", derived="area_hm2"),
        _f("survival_rate", REAL, "成活率/保存率", "Survival/preservation rate", unit="%", minimum=0, maximum=100),
        _e("quality", QUALITY, "质量评定", "Quality"),
        *_caretaker(),
        _step_field("spot_step", WF_SPOT),
    ),
    workflow=WF_SPOT,
    code_field="spot_code", title_field="measure_type", status_field="step",
)  # fmt: skip

WATERSHED_ACCEPTANCE = RecordKind(
    "watershed_acceptance", "小流域验收", "Watershed acceptance", None,
    parent="watershed", parent_field="watershed_uuid", object_kind="watershed",
    fields=AUDIT_FIELDS + (
        _ref("watershed_uuid", "watershed", "小流域", "Watershed"),
        _e("kind", ACCEPTANCE_KIND, "验收类型", "Acceptance kind", required_at=("draft",)),
        _f("year", INT, "验收年度", "Year", minimum=1980, maximum=2100, required_at=("draft",)),
        _f("sample_share", REAL, "抽样比例", "Sample share", minimum=0, maximum=1, default=0.2, required_at=("sampled",)),
        _f("sample_seed", INT, "抽样随机种子", "Sample seed", required_at=("sampled",)),
        _f("sampled_count", INT, "抽样图斑数", "Sampled spots", derived="sampled_count"),
        _f("checked_count", INT, "已核查图斑数", "Checked spots", derived="checked_count"),
        _f("pass_rate", REAL, "抽查合格率", "Share of sampled spots passing", unit="%", derived="pass_rate"),
        _f("survival_rate", REAL, "平均保存率", "Mean survival rate", unit="%", derived="mean_survival_rate"),
        _f("treatment_degree", REAL, "小流域治理度", "Watershed treatment degree", unit="%",
           derived="parent_treatment_degree"),
        _e("verdict", PASS_FAIL, "验收结论", "Verdict", derived="acceptance_verdict"),
        _multi("fail_reasons", ACCEPTANCE_FAILURE, "未通过原因", "Why it failed", derived="acceptance_fail_reasons"),
        _f("opinion", TEXT, "验收意见", "Opinion", required_at=("checked",)),
        _f("acceptor", TEXT, "验收人", "Acceptor", required_at=("signed",)),
        _f("signed_at", DATETIME, "签署时间", "Signed at", required_at=("signed",)),
        _step_field("acceptance_step", WF_WATERSHED_ACCEPTANCE),
    ),
    workflow=WF_WATERSHED_ACCEPTANCE,
    code_field="kind", title_field="year", status_field="step",
)  # fmt: skip

SPOT_CHECK = RecordKind(
    "spot_check", "抽查图斑核查", "Sampled spot check", "Point",
    parent="watershed_acceptance", parent_field="acceptance_uuid", object_kind="watershed",
    fields=AUDIT_FIELDS + (
        _ref("acceptance_uuid", "watershed_acceptance", "小流域验收", "Watershed acceptance"),
        _f("spot_uuid", TEXT, "治理图斑", "Treatment spot", required_at=("*",), max_length=36, ref="watershed_spot"),
        _f("checked_at", DATETIME, "核查时间", "Checked at", required_at=("checked",)),
        _f("checker", TEXT, "核查人", "Checked by", required_at=("checked",)),
        _f("measured_area", REAL, "实测面积", "Measured area", unit="hm²", minimum=0),
        _f("area_deviation", REAL, "面积偏差", "Area deviation", unit="%", required_at=("checked",)),
        _f("matches_design", BOOL, "措施与设计相符", "Measure matches design", required_at=("checked",)),
        _f("survival_rate", REAL, "成活率/保存率", "Survival/preservation rate", unit="%", minimum=0, maximum=100),
        _e("quality", QUALITY, "质量评定", "Quality", required_at=("checked",)),
        _f("passed", BOOL, "核查合格", "Passed", derived="spot_check_passed"),
        _step_field("check_step", WF_CHECK),
    ),
    workflow=WF_CHECK,
    code_field="spot_uuid", title_field="quality", status_field="step",
)  # fmt: skip

# ---------------------------------------------------------------------------------------------
# Upkeep checks (管护检查) of treated patches and of a watershed's spots: "明确管护主体，落实管护责任"
# (four seeds) and "聘请管护员制度" (赣县) [V], checked in the field like an inspection.
# ---------------------------------------------------------------------------------------------
WF_UPKEEP = _workflow(
    "step", _DRAFT_SUBMITTED,
    (
        ("draft", "submitted", _INSPECTORS, "提交管护检查", "Submit upkeep check"),
        ("submitted", "draft", ("technician",), "退回管护检查", "Return upkeep check for correction"),
    ),
    "draft", ("submitted",),
)  # fmt: skip
_UPKEEP_STEP = _step_field("upkeep_step", WF_UPKEEP)


def _upkeep(name: str, parent: str, parent_zh: str, parent_en: str, *extra: Field) -> RecordKind:
    return RecordKind(
        name, "管护检查", "Upkeep check", "Point",
        parent=parent, parent_field=f"{parent}_uuid", object_kind=parent,
        fields=AUDIT_FIELDS + (
            _ref(f"{parent}_uuid", parent, parent_zh, parent_en),
            *extra,
            _f("inspected_at", DATETIME, "检查时间", "Checked at", required_at=("draft",)),
            _f("inspector", TEXT, "检查人", "Checked by", required_at=("draft",)),
            _f("caretaker_present", BOOL, "管护员在岗", "Caretaker on duty", required_at=("submitted",)),
            _f("facilities_intact", BOOL, "工程设施完好", "Works intact", required_at=("submitted",)),
            _f("vegetation_kept", BOOL, "林草管护良好", "Vegetation kept", required_at=("submitted",)),
            _f("damage", TEXT, "损毁与问题", "Damage and problems"),
            _e("result", UPKEEP_RESULT, "检查结论", "Result", required_at=("submitted",)),
            _f("measures", TEXT, "整改要求", "What must be done"),
            _f("deadline", DATE, "整改期限", "Deadline"),
            _e("position_source", POSITION_SOURCE, "位置来源", "Position source", required_at=("submitted",)),
            _UPKEEP_STEP,
        ),
        workflow=WF_UPKEEP,
        rules=(
            RequiredWhen("measures", "result", ("fair", "poor"), ("submitted",),
                         "管护不到位时须写明整改要求", "Poor upkeep needs what must be done"),
            RequiredWhen("deadline", "result", ("fair", "poor"), ("submitted",),
                         "管护不到位时须填写整改期限", "Poor upkeep needs a deadline"),
        ),
        code_field="inspected_at", title_field="inspector", status_field="result",
    )  # fmt: skip


PATCH_UPKEEP = _upkeep("patch_upkeep", "patch", "侵蚀图斑", "Patch")
WATERSHED_UPKEEP = _upkeep(
    "watershed_upkeep", "watershed", "小流域", "Watershed",
    _f("spot_uuid", TEXT, "治理图斑", "Treatment spot", max_length=36, ref="watershed_spot"),
)  # fmt: skip

# ---------------------------------------------------------------------------------------------
# 5. Remote-sensing supervision (遥感监管): suspected violation spots issued by the ministry or the
# province, re-checked on site (现场复核), determined (认定), rectified or penalised (整改/查处)
# and de-listed (销号) with evidence. DOMAIN §5.
# ---------------------------------------------------------------------------------------------
_AUTO = True
WF_RS_SPOT = _workflow(
    "step",
    (("issued", "已下发", "Issued"), ("rechecked", "已复核", "Re-checked"), ("determined", "已认定", "Determined"),
     ("rectifying", "整改查处中", "Being rectified"), ("closed", "已销号", "Closed (销号)")),
    (
        # Submitting a re-check moves its spot on (model.rules.spot_after_recheck).
        ("issued", "rechecked", _INSPECTORS, "复核完成", "Re-check done", _AUTO),
        ("rechecked", "issued", ("technician",), "退回重新复核", "Return for a new re-check"),
        ("rechecked", "determined", ("technician",), "图斑认定", "Determine spot"),
        ("determined", "rechecked", ("technician",), "撤回认定", "Withdraw determination"),
        ("determined", "rectifying", ("technician",), "下发整改通知", "Issue rectification notice"),
        # A 合规 or 非生产建设项目 spot closes at 认定 (model.rules.follow_on).
        ("determined", "closed", ("technician",), "认定销号", "Close at determination", _AUTO),
        ("rectifying", "closed", ("technician",), "图斑销号", "Close spot (销号)"),
        ("closed", "rectifying", ("admin",), "恢复整改", "Reopen"),
    ),
    "issued", ("closed",),
)  # fmt: skip
WF_RS_RECHECK = _workflow(
    "step", _DRAFT_SUBMITTED,
    (
        ("draft", "submitted", _INSPECTORS, "提交复核", "Submit re-check"),
        ("submitted", "draft", ("technician",), "退回复核记录", "Return re-check for correction"),
    ),
    "draft", ("submitted",),
)  # fmt: skip

RS_SPOT = RecordKind(
    "rs_spot", "遥感监管图斑", "Remote-sensing spot", "MultiPolygon",
    object_kind="rs_spot",
    fields=AUDIT_FIELDS + (
        _f("spot_id", TEXT, "图斑编号", "Spot id", required_at=("*",), max_length=64),
        _f("batch_year", INT, "下发年度", "Batch year", minimum=2000, maximum=2100, required_at=("*",)),
        _f("batch_round", INT, "下发批次", "Batch round", minimum=1, maximum=99, required_at=("*",)),
        _e("issuer_level", RS_ISSUER, "下发层级", "Issued by", required_at=("*",)),
        _f("batch", TEXT, "批次", "Batch", derived="rs_batch"),
        _f("issued_on", DATE, "下发日期", "Issued on", required_at=("*",)),
        _f("deadline", DATE, "办结期限", "Deadline", required_at=("*",)),
        _f("township", TEXT, "乡镇", "Township"),
        _f("village", TEXT, "村", "Village"),
        _f("issued_area", REAL, "下发面积", "Issued area", unit="hm²", minimum=0),
        _f("area", REAL, "图斑面积", "Spot area", unit="hm²", derived="area_hm2"),
        _e("disturbance_type", RS_DISTURBANCE, "扰动类型", "Disturbance type"),
        _e("project_type", RS_PROJECT_TYPE, "项目类型", "Project type"),
        _f("project_name", TEXT, "项目名称", "Project"),
        _f("builder", TEXT, "建设单位", "Builder"),
        _f("plan_approval_no", TEXT, "水土保持方案批复文号", "Conservation plan approval no."),
        _f("split_from", TEXT, "分割自", "Split from", max_length=36, ref="rs_spot"),
        _f("recheck_uuid", TEXT, "现场复核记录", "Site re-check", max_length=36, ref="rs_recheck",
           required_at=("rechecked",)),
        _f("rechecked_at", DATE, "复核日期", "Re-checked on", required_at=("rechecked",)),
        _e("determination", RS_DETERMINATION, "认定结果", "Determination", required_at=("determined",)),
        _f("determination_note", TEXT, "认定说明", "Determination note"),
        _f("determined_at", DATE, "认定日期", "Determined on", required_at=("determined",)),
        _f("determined_by", TEXT, "认定人", "Determined by", required_at=("determined",)),
        _e("notice_type", RS_NOTICE, "整改通知类型", "Notice type"),
        _f("notice_no", TEXT, "通知书文号", "Notice no."),
        _f("notice_date", DATE, "通知下发日期", "Notice date"),
        _f("notice_deadline", DATE, "整改期限", "Rectification deadline"),
        _f("case_no", TEXT, "立案编号", "Case no."),
        _f("case_filed_on", DATE, "立案日期", "Case filed on"),
        _f("penalty_decision_no", TEXT, "处罚决定书文号", "Penalty decision no."),
        _f("penalty_amount", REAL, "罚款金额", "Fine", unit="万元", minimum=0),
        _e("evidence_type", RS_EVIDENCE, "销号佐证类型", "Evidence"),
        _f("evidence_no", TEXT, "佐证文号", "Evidence no."),
        _f("evidence_date", DATE, "佐证日期", "Evidence date"),
        _f("evidence_note", TEXT, "佐证说明", "Evidence note"),
        _f("closed_at", DATE, "销号日期", "Closed on", required_at=("closed",)),
        _f("closed_by", TEXT, "销号人", "Closed by", required_at=("closed",)),
        _step_field("rs_spot_step", WF_RS_SPOT),
    ),
    workflow=WF_RS_SPOT,
    rules=(
        RequiredWhen("plan_approval_no", "determination", ("compliant",), ("determined",),
                     "认定合规须填写水土保持方案批复文号", "a compliant spot needs its plan approval number"),
        RequiredWhen("determination_note", "determination", ("non_production", "other"), ("determined",),
                     "认定为非生产建设项目或其他时须填写认定说明", "explain a non-production or other determination"),
        *(RequiredWhen(name, "determination", RS_VIOLATIONS, ("rectifying",), f"违法违规图斑须填写{zh}",
                       f"a violation needs its {en}")
          for name, zh, en in (("notice_type", "整改通知类型", "notice type"), ("notice_no", "通知书文号", "notice no."),
                               ("notice_date", "通知下发日期", "notice date"),
                               ("notice_deadline", "整改期限", "rectification deadline"))),
        RequiredWhen("evidence_type", "determination", RS_VIOLATIONS, ("closed",),
                     "违法违规图斑销号须有整改佐证", "a violation closes with evidence"),
        RequiredWhen("evidence_date", "determination", RS_VIOLATIONS, ("closed",),
                     "销号须填写佐证日期", "the evidence needs its date"),
        RequiredWhen("evidence_no", "evidence_type", RS_NUMBERED_EVIDENCE, ("closed",),
                     "批复、回执或结案佐证须填写文号", "an approval, receipt or closed case needs its number"),
        RequiredWhen("evidence_note", "evidence_type", ("restoration", "other"), ("closed",),
                     "恢复治理或其他佐证须填写说明", "describe a restoration or other evidence"),
    ),
    code_field="spot_id", title_field="project_name", status_field="step",
)  # fmt: skip

RS_RECHECK = RecordKind(
    "rs_recheck", "现场复核", "Site re-check", "Point",
    parent="rs_spot", parent_field="spot_uuid", object_kind="rs_spot",
    fields=AUDIT_FIELDS + (
        _ref("spot_uuid", "rs_spot", "遥感监管图斑", "Remote-sensing spot"),
        _f("rechecked_at", DATETIME, "复核时间", "Re-checked at", required_at=("draft",)),
        _f("inspector", TEXT, "复核人", "Re-checked by", required_at=("draft",)),
        _f("disturbance_found", BOOL, "现场存在扰动", "Disturbance found", required_at=("submitted",)),
        _f("extent_matches", BOOL, "扰动范围与下发图斑一致", "Extent matches the issued spot"),
        _f("disturbed_area", REAL, "现场扰动面积", "Disturbed area on site", unit="hm²", minimum=0),
        _e("construction_status", CONSTRUCTION_STATUS, "建设状态", "Construction status"),
        _e("project_type", RS_PROJECT_TYPE, "项目类型", "Project type"),
        _f("project_name", TEXT, "项目名称", "Project"),
        _f("builder", TEXT, "建设单位", "Builder"),
        _f("plan_approval_no", TEXT, "水土保持方案批复文号", "Conservation plan approval no."),
        _e("determination", RS_DETERMINATION, "复核认定意见", "Proposed determination", required_at=("submitted",)),
        _f("evidence", TEXT, "复核情况说明", "Findings", required_at=("submitted",)),
        _e("position_source", POSITION_SOURCE, "位置来源", "Position source", required_at=("submitted",)),
        _f("distance_to_object", REAL, "距图斑距离", "Distance to the spot", unit="m", derived="distance_to_parent"),
        _step_field("recheck_step", WF_RS_RECHECK),
    ),
    workflow=WF_RS_RECHECK,
    rules=(
        RequiredWhen("extent_matches", "disturbance_found", (True,), ("submitted",),
                     "存在扰动时须说明范围是否与下发图斑一致", "say whether the extent matches the issued spot"),
        RequiredWhen("construction_status", "disturbance_found", (True,), ("submitted",),
                     "存在扰动时须填写建设状态", "a disturbance needs its construction status"),
        RequiredWhen("disturbed_area", "extent_matches", (False,), ("submitted",),
                     "范围与下发图斑不一致时须填写现场扰动面积", "a different extent needs the area found on site"),
        RequiredWhen("project_name", "determination", RS_VIOLATIONS, ("submitted",),
                     "违法违规图斑须查明项目名称", "a violation needs the project identified"),
    ),
    code_field="determination", title_field="inspector", status_field="step",
)  # fmt: skip

# ---------------------------------------------------------------------------------------------
# Photos: attachments of any record, content-addressed by sha256.
# ---------------------------------------------------------------------------------------------
PHOTO = RecordKind(
    "photo", "照片", "Photo", "Point",
    fields=AUDIT_FIELDS + (
        _f("parent_kind", TEXT, "所属记录类型", "Parent record kind", required_at=("*",)),
        _f("parent_uuid", TEXT, "所属记录", "Parent record", required_at=("*",), max_length=36),
        _f("sha256", TEXT, "SHA-256", "SHA-256", required_at=("*",), max_length=64),
        _f("mime_type", TEXT, "文件类型", "Content type", required_at=("*",)),
        _f("size_bytes", INT, "文件大小", "Size", unit="B", minimum=0, required_at=("*",)),
        _f("taken_at", DATETIME, "拍摄时间", "Taken at"),
        _f("caption", TEXT, "说明", "Caption"),
    ),
    code_field="taken_at", title_field="caption",
)  # fmt: skip

# ---------------------------------------------------------------------------------------------
# 5. Targets (目标任务): a plan's figure for one indicator, county-wide or for one township, over a
# period of years; the statistics count the achieved value from the records. An indicator the
# records cannot count (the 水土保持率 of the county comes from the annual monitoring) carries its
# monitored value here. Set by technicians (and admins); everyone reads them.
# ---------------------------------------------------------------------------------------------
TARGET = RecordKind(
    "target", "目标任务", "Target", None,
    fields=AUDIT_FIELDS + (
        _e("indicator", TARGET_INDICATOR, "指标", "Indicator", required_at=("*",)),
        _f("township", TEXT, "乡镇（空为全县）", "Township (empty: whole county)"),
        _f("year_from", INT, "起始年度", "From year", minimum=1980, maximum=2100, required_at=("*",)),
        _f("year_to", INT, "截止年度", "To year", minimum=1980, maximum=2100, required_at=("*",)),
        _f("value", REAL, "目标值", "Target value", minimum=0, required_at=("*",)),
        _e("unit", TARGET_UNIT, "单位", "Unit", required_at=("*",)),
        _f("baseline", REAL, "基期值", "Baseline value", minimum=0),
        _f("monitored", REAL, "监测值", "Monitored value", minimum=0),
        _f("monitored_year", INT, "监测年度", "Monitored in", minimum=1980, maximum=2100),
        _f("source_document", TEXT, "依据文件", "Source document", required_at=("*",)),
        _f("note", TEXT, "备注", "Note"),
    ),
    code_field="indicator", title_field="source_document", writers=("technician", "admin"),
)  # fmt: skip

RECORD_KINDS: dict[str, RecordKind] = {
    k.name: k
    for k in (
        DAM,
        DAM_INSPECTION,
        DAM_HAZARD,
        PATCH,
        PATCH_SURVEY,
        PATCH_MEASURE_KIND,
        PATCH_ACCEPTANCE,
        WATERSHED,
        WATERSHED_SPOT,
        WATERSHED_ACCEPTANCE,
        SPOT_CHECK,
        RS_SPOT,
        RS_RECHECK,
        PHOTO,
        TARGET,
        PATCH_UPKEEP,
        WATERSHED_UPKEEP,
    )  # fmt: skip
}

# The objects that get a dock each, with their main record kind.
OBJECT_KINDS = {
    "patch": ("patch", "侵蚀沟/崩岗图斑", "Gully-erosion patches"),
    "dam": ("dam", "淤地坝", "Check dams"),
    "watershed": ("watershed", "小流域", "Small watersheds"),
    "rs_spot": ("rs_spot", "遥感监管图斑", "Remote-sensing spots"),
}


def kind(name: str) -> RecordKind:
    return RECORD_KINDS[name]
