<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
    <context>
        <name>Shuibao</name>
        <message>
            <location filename="importer/processing.py" line="54" />
            <source>Import registers (导入登记数据)</source>
            <translation>导入登记数据</translation>
        </message>
        <message>
            <location filename="importer/processing.py" line="58" />
            <source>Imports a county's existing register (Shapefile, GeoPackage, GeoJSON, KML, CSV or Excel with coordinate columns) into the store. Columns are matched to fields by their Chinese headers unless a saved mapping is given; the coordinate system is detected unless one is given. A dry run by default: it only reports the rows to insert, update or reject. Record kinds: {0}.</source>
            <translation>把县里已有的登记数据（Shapefile、GeoPackage、GeoJSON、KML，或带坐标列的 CSV、Excel）导入数据库。未给出字段对应文件时按中文表头自动对应字段；未指定坐标系时自动判断。默认为试运行：只报告将新增、更新或拒绝的行。记录类型：{0}。</translation>
        </message>
        <message>
            <location filename="importer/processing.py" line="73" />
            <source>Register file</source>
            <translation>登记数据文件</translation>
        </message>
        <message>
            <location filename="importer/processing.py" line="74" />
            <source>Sheet or layer</source>
            <translation>工作表或图层</translation>
        </message>
        <message>
            <location filename="importer/processing.py" line="78" />
            <source>County code (6 digits)</source>
            <translation>县级行政区划代码（6位）</translation>
        </message>
        <message>
            <location filename="importer/processing.py" line="79" />
            <source>Coordinate system of the file</source>
            <translation>文件的坐标系</translation>
        </message>
        <message>
            <location filename="importer/processing.py" line="81" />
            <source>Saved field mapping</source>
            <translation>已保存的字段对应</translation>
        </message>
        <message>
            <location filename="importer/processing.py" line="83" />
            <source>Dry run (write nothing)</source>
            <translation>试运行（不写入）</translation>
        </message>
        <message>
            <location filename="importer/processing.py" line="86" />
            <source>Validation report</source>
            <translation>检查报告</translation>
        </message>
        <message>
            <location filename="importer/processing.py" line="122" />
            <source>Row {0}: {1}</source>
            <translation>第 {0} 行：{1}</translation>
        </message>
        <message>
            <location filename="importer/processing.py" line="123" />
            <source> (dry run: nothing written)</source>
            <translation>（试运行：未写入）</translation>
        </message>
        <message>
            <location filename="plugin.py" line="83" />
            <source>Shuibao</source>
            <translation>水保巡检</translation>
        </message>
        <message>
            <location filename="plugin.py" line="86" />
            <source>Open store…</source>
            <translation>打开数据库…</translation>
        </message>
        <message>
            <location filename="plugin.py" line="108" />
            <source>Help</source>
            <translation>帮助</translation>
        </message>
        <message>
            <location filename="plugin.py" line="182" />
            <source>Import registers…</source>
            <translation>导入登记数据…</translation>
        </message>
        <message>
            <location filename="plugin.py" line="192" />
            <source>Open a store first: records are imported into it.</source>
            <translation>请先打开数据库：记录将导入到其中。</translation>
        </message>
        <message>
            <location filename="plugin.py" line="209" />
            <source>Thresholds and sources…</source>
            <translation>阈值与依据…</translation>
        </message>
        <message>
            <location filename="reports/processing.py" line="52" />
            <source>{0}: not a date (YYYY-MM-DD): {1}</source>
            <translation>{0}：不是有效日期（应为 年-月-日）：{1}</translation>
        </message>
        <message>
            <location filename="reports/processing.py" line="74" />
            <source>Language</source>
            <translation>语言</translation>
        </message>
        <message>
            <location filename="reports/processing.py" line="74" />
            <source>As the plugin</source>
            <translation>与插件一致</translation>
        </message>
        <message>
            <location filename="reports/processing.py" line="75" />
            <source>County name for titles (e.g. 赣县区)</source>
            <translation>标题中的县（区）名称（如 赣县区）</translation>
        </message>
        <message>
            <location filename="reports/processing.py" line="77" />
            <source>Township (empty: all)</source>
            <translation>乡镇（留空为全部）</translation>
        </message>
        <message>
            <location filename="reports/processing.py" line="79" />
            <source>From date (YYYY-MM-DD)</source>
            <translation>起始日期（年-月-日）</translation>
        </message>
        <message>
            <location filename="reports/processing.py" line="80" />
            <source>To date (YYYY-MM-DD)</source>
            <translation>截止日期（年-月-日）</translation>
        </message>
        <message>
            <location filename="reports/processing.py" line="83" />
            <source>Status codes, comma separated (empty: all)</source>
            <translation>状态代码，逗号分隔（留空为全部）</translation>
        </message>
        <message>
            <location filename="reports/processing.py" line="89" />
            <source>From date</source>
            <translation>起始日期</translation>
        </message>
        <message>
            <location filename="reports/processing.py" line="90" />
            <source>To date</source>
            <translation>截止日期</translation>
        </message>
        <message>
            <location filename="reports/processing.py" line="108" />
            <source>Export ledgers to Excel (台账)</source>
            <translation>导出台账到 Excel</translation>
        </message>
        <message>
            <location filename="reports/processing.py" line="111" />
            <source>Writes the chosen ledgers of a store to one Excel workbook, one sheet per ledger, filtered by township, period and status. Status codes apply to each ledger's own status field.</source>
            <translation>将数据库中选定的台账写入一个 Excel 工作簿，每个台账一个工作表，可按乡镇、期间和状态筛选。状态代码作用于各台账自身的状态字段。</translation>
        </message>
        <message>
            <location filename="reports/processing.py" line="120" />
            <source>Excel workbook</source>
            <translation>Excel 工作簿</translation>
        </message>
        <message>
            <location filename="reports/processing.py" line="121" />
            <source>Rows written</source>
            <translation>写入行数</translation>
        </message>
        <message>
            <location filename="reports/processing.py" line="145" />
            <source>Print forms to PDF (表单)</source>
            <translation>打印表单为 PDF</translation>
        </message>
        <message>
            <location filename="reports/processing.py" line="148" />
            <source>Prints a form for each record into one PDF: the records given by uuid, or every record of the filter (an atlas). For the 崩岗 survey sheet give patches or surveys.</source>
            <translation>为每条记录打印一份表单，合并为一个 PDF：按给定的全局标识，或筛选出的全部记录（图集）。崩岗调查表可给出图斑或调查记录。</translation>
        </message>
        <message>
            <location filename="reports/processing.py" line="156" />
            <source>Form</source>
            <translation>表单</translation>
        </message>
        <message>
            <location filename="reports/processing.py" line="158" />
            <source>Record uuids, comma separated (empty: the filter)</source>
            <translation>记录全局标识，逗号分隔（留空则按筛选）</translation>
        </message>
        <message>
            <location filename="reports/processing.py" line="160" />
            <source>Issuing unit (e.g. 赣县区水土保持中心)</source>
            <translation>发文单位（如 赣县区水土保持中心）</translation>
        </message>
        <message>
            <location filename="reports/processing.py" line="162" />
            <source>PDF file</source>
            <translation>PDF 文件</translation>
        </message>
        <message>
            <location filename="reports/processing.py" line="163" />
            <source>Records printed</source>
            <translation>打印记录数</translation>
        </message>
        <message>
            <location filename="reports/processing.py" line="192" />
            <source>Statistics against targets to Excel (统计)</source>
            <translation>统计与目标完成情况导出到 Excel</translation>
        </message>
        <message>
            <location filename="reports/processing.py" line="195" />
            <source>Progress against the county's targets, dams, hazards, 崩岗 treatment and watersheds by township, with charts, in one Excel workbook. Without years: the plan period covering today.</source>
            <translation>全县目标任务完成情况，以及分乡镇的淤地坝、隐患、崩岗治理和小流域统计（含图表），写入一个 Excel 工作簿。未填年度时取包含今天的规划期。</translation>
        </message>
        <message>
            <location filename="reports/processing.py" line="200" />
            <source>From year</source>
            <translation>起始年度</translation>
        </message>
        <message>
            <location filename="reports/processing.py" line="200" />
            <source>To year</source>
            <translation>截止年度</translation>
        </message>
        <message>
            <location filename="sync/processing.py" line="40" />
            <source>Synchronise store with server (同步)</source>
            <translation>与服务器同步数据库</translation>
        </message>
        <message>
            <location filename="sync/processing.py" line="43" />
            <source>Pushes the store's local edits to the Shuibao server and pulls the changes of others. Log in with a user name and password, or with a QGIS authentication configuration.</source>
            <translation>把数据库中本机的编辑推送到水保巡检服务器，并拉取他人的修改。可用用户名和密码登录，也可用QGIS认证配置登录。</translation>
        </message>
        <message>
            <location filename="sync/processing.py" line="52" />
            <source>Store (GeoPackage)</source>
            <translation>数据库（GeoPackage）</translation>
        </message>
        <message>
            <location filename="sync/processing.py" line="57" />
            <source>Authentication configuration</source>
            <translation>认证配置</translation>
        </message>
        <message>
            <location filename="sync/processing.py" line="59" />
            <source>Download all photos</source>
            <translation>下载全部照片</translation>
        </message>
        <message>
            <location filename="ui/conflict_dialog.py" line="44" />
            <source>The record was deleted on the server</source>
            <translation>该记录已在服务器上删除</translation>
        </message>
        <message>
            <location filename="ui/conflict_dialog.py" line="45" />
            <source>The record was de-listed on the server</source>
            <translation>该记录已在服务器上销号</translation>
        </message>
        <message>
            <location filename="ui/conflict_dialog.py" line="58" />
            <source>(empty)</source>
            <translation>（空）</translation>
        </message>
        <message>
            <location filename="ui/conflict_dialog.py" line="60" />
            <source>(geometry)</source>
            <translation>（几何）</translation>
        </message>
        <message>
            <location filename="ui/conflict_dialog.py" line="62" />
            <source>(deleted)</source>
            <translation>（已删除）</translation>
        </message>
        <message>
            <location filename="ui/conflict_dialog.py" line="62" />
            <source>(record)</source>
            <translation>（记录）</translation>
        </message>
        <message>
            <location filename="ui/conflict_dialog.py" line="80" />
            <source>yes</source>
            <translation>是</translation>
        </message>
        <message>
            <location filename="ui/conflict_dialog.py" line="80" />
            <source>no</source>
            <translation>否</translation>
        </message>
        <message>
            <location filename="ui/conflict_dialog.py" line="90" />
            <source>Whole record (deleted here, changed on the server)</source>
            <translation>整条记录（本机已删除，服务器上已修改）</translation>
        </message>
        <message>
            <location filename="ui/conflict_dialog.py" line="92" />
            <source>Location / shape</source>
            <translation>位置/形状</translation>
        </message>
        <message>
            <location filename="ui/conflict_dialog.py" line="141" />
            <source>Resolve sync conflicts</source>
            <translation>处理同步冲突</translation>
        </message>
        <message>
            <location filename="ui/conflict_dialog.py" line="153" />
            <source>Field</source>
            <translation>字段</translation>
        </message>
        <message>
            <location filename="ui/conflict_dialog.py" line="153" />
            <source>Base</source>
            <translation>原值</translation>
        </message>
        <message>
            <location filename="ui/conflict_dialog.py" line="153" />
            <source>Mine</source>
            <translation>我的值</translation>
        </message>
        <message>
            <location filename="ui/conflict_dialog.py" line="153" />
            <source>Theirs (server)</source>
            <translation>服务器的值</translation>
        </message>
        <message>
            <location filename="ui/conflict_dialog.py" line="154" />
            <source>Changed on the server by</source>
            <translation>服务器上修改人</translation>
        </message>
        <message>
            <location filename="ui/conflict_dialog.py" line="154" />
            <source>Keep</source>
            <translation>保留</translation>
        </message>
        <message>
            <location filename="ui/conflict_dialog.py" line="154" />
            <source>Edited value</source>
            <translation>修改后的值</translation>
        </message>
        <message>
            <location filename="ui/conflict_dialog.py" line="162" />
            <source>Apply</source>
            <translation>应用</translation>
        </message>
        <message>
            <location filename="ui/conflict_dialog.py" line="163" />
            <source>Close</source>
            <translation>关闭</translation>
        </message>
        <message>
            <location filename="ui/conflict_dialog.py" line="220" />
            <source>{0} — click to keep this value</source>
            <translation>{0} —— 点击采用这个值</translation>
        </message>
        <message>
            <location filename="ui/conflict_dialog.py" line="236" />
            <source>{0} open conflicts on {1} records. The server's value is shown on the map until you choose; the choice is sent at the next sync.</source>
            <translation>{1} 条记录上有 {0} 处冲突未处理。在您选择之前，地图上显示服务器的值；您的选择将在下次同步时发送。</translation>
        </message>
        <message>
            <location filename="ui/conflict_dialog.py" line="239" />
            <source>No open conflicts.</source>
            <translation>没有未处理的冲突。</translation>
        </message>
        <message>
            <location filename="ui/conflict_dialog.py" line="244" />
            <source>Choose…</source>
            <translation>请选择…</translation>
        </message>
        <message>
            <location filename="ui/conflict_dialog.py" line="245" />
            <source>Keep mine</source>
            <translation>保留我的</translation>
        </message>
        <message>
            <location filename="ui/conflict_dialog.py" line="246" />
            <source>Keep theirs</source>
            <translation>保留服务器的</translation>
        </message>
        <message>
            <location filename="ui/conflict_dialog.py" line="352" />
            <source>Choose "Keep mine", "Keep theirs" or an edited value for a field first.</source>
            <translation>请先为字段选择“保留我的”、“保留服务器的”或填写修改后的值。</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="77" />
            <source>Start inspection</source>
            <translation>开始检查</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="78" />
            <source>Record hazard</source>
            <translation>登记隐患</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="79" />
            <source>Start survey</source>
            <translation>开始调查</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="80" />
            <source>Record measure</source>
            <translation>登记治理措施</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="81" />
            <source>Start acceptance</source>
            <translation>开始验收</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="83" />
            <source>Check upkeep</source>
            <translation>管护检查</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="85" />
            <source>Start re-check</source>
            <translation>开始复核</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="133" />
            <source>Search by code or name…</source>
            <translation>按编码或名称搜索…</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="134" />
            <source>Has open hazards</source>
            <translation>有未销号隐患</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="138" />
            <source>Any due date</source>
            <translation>不限检查期限</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="139" />
            <source>Due this week</source>
            <translation>本周到期</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="140" />
            <source>Overdue</source>
            <translation>已逾期</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="141" />
            <source>All statuses</source>
            <translation>全部状态</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="145" />
            <source>All steps</source>
            <translation>全部步骤</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="149" />
            <source>All townships</source>
            <translation>全部乡镇</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="190" />
            <source>All: {0}</source>
            <translation>全部{0}</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="362" />
            <source>No layer: open a Shuibao store first</source>
            <translation>无图层：请先打开水保巡检数据库</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="364" />
            <source>{0} features</source>
            <translation>共 {0} 条</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="366" />
            <source>{0} of {1} features shown</source>
            <translation>显示 {0} / {1} 条</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="368" />
            <source>the store cannot be read directly, so sync badges are missing: {0}</source>
            <translation>无法直接读取数据库，未显示同步状态：{0}</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="378" />
            <source>due this week {0}, overdue {1}, with open hazards {2}</source>
            <translation>本周到期 {0} · 逾期 {1} · 有未销号隐患 {2}</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="380" />
            <source>due within 7 days {0}, overdue {1}</source>
            <translation>7天内到期 {0} · 逾期 {1}</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="515" />
            <source>Select an object to see its details.</source>
            <translation>选择一个对象以查看详情。</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="553" />
            <source>{0}: after a {1} is submitted ({2})</source>
            <translation>{0}：提交{1}后自动完成（{2}）</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="563" />
            <source>Next steps:</source>
            <translation>下一步：</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="570" />
            <source>The next patrol of this dam is overdue.</source>
            <translation>该坝的下次巡查已逾期。</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="604" />
            <source>{0:.0f} m from the spot</source>
            <translation>距图斑 {0:.0f} m</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="605" />
            <source>A re-check was recorded {0:.0f} m from the spot (more than {1:g} m).</source>
            <translation>有现场复核记录的位置距图斑 {0:.0f} m（超过 {1:g} m）。</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="608" />
            <source>{0:.0f} m from the dam</source>
            <translation>距坝 {0:.0f} 米</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="609" />
            <source>An inspection was recorded {0:.0f} m from the dam (more than {1:g} m).</source>
            <translation>检查记录位置距坝 {0:.0f} 米（超过 {1:g} 米）。</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="705" />
            <source>Open form</source>
            <translation>打开表单</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="705" />
            <source>Edit register…</source>
            <translation>编辑登记信息…</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="769" />
            <source>Saved.</source>
            <translation>已保存。</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="857" />
            <source>“{0}” cannot be undone (only an administrator can). It will change:</source>
            <translation>“{0}”之后不能撤回（只有管理员可以）。将要：</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="859" />
            <source>“{0}” will change:</source>
            <translation>“{0}”将要：</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="891" />
            <source>{0} spots to check: all {1} structures and {2:.0%} of the others (seed {3})</source>
            <translation>抽取 {0} 个图斑核查：全部 {1} 个工程措施，其余按 {2:.0%} 抽样（随机种子 {3}）</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="911" />
            <source>Check dams</source>
            <translation>淤地坝</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="919" />
            <source>Gully-erosion patches</source>
            <translation>侵蚀沟·崩岗图斑</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="927" />
            <source>Small watersheds</source>
            <translation>小流域</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="957" />
            <source>Any deadline</source>
            <translation>不限办结期限</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="958" />
            <source>Due within 7 days</source>
            <translation>7天内到期</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="961" />
            <source>Remote-sensing spots</source>
            <translation>遥感监管图斑</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="969" />
            <source>This spot is {0} days past its deadline ({1}).</source>
            <translation>本图斑已超过办结期限 {0} 天（{1}）。</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="987" />
            <source>Cancel split</source>
            <translation>取消分割</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="987" />
            <source>Split spot</source>
            <translation>分割图斑</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="1014" />
            <source>Draw a line across the spot on the map: click to add points, right-click to finish.</source>
            <translation>在地图上画一条穿过图斑的分割线：单击加点，右键结束。</translation>
        </message>
        <message>
            <location filename="ui/docks.py" line="1029" />
            <source>The spot was split into {0} parts.</source>
            <translation>图斑已分割为 {0} 块。</translation>
        </message>
        <message>
            <location filename="ui/drafts.py" line="28" />
            <source>Delete draft</source>
            <translation>删除草稿</translation>
        </message>
        <message>
            <location filename="ui/drafts.py" line="28" />
            <source>Delete this record ({0})</source>
            <translation>删除此记录（{0}）</translation>
        </message>
        <message>
            <location filename="ui/drafts.py" line="68" />
            <source>Delete this draft {0}?</source>
            <translation>删除这条{0}草稿？</translation>
        </message>
        <message>
            <location filename="ui/drafts.py" line="68" />
            <source>Delete this {0} ({1})?</source>
            <translation>删除这条{0}记录（{1}）？</translation>
        </message>
        <message>
            <location filename="ui/drafts.py" line="71" />
            <source>Its {0} photos are deleted with it.</source>
            <translation>它的 {0} 张照片也一并删除。</translation>
        </message>
        <message>
            <location filename="ui/drafts.py" line="72" />
            <source>This cannot be undone here; the next sync deletes it on the server too.</source>
            <translation>删除后无法恢复；下次同步时服务器上的这条草稿也会删除。</translation>
        </message>
        <message>
            <location filename="ui/feature_model.py" line="58" />
            <source>Local only</source>
            <translation>仅本机</translation>
        </message>
        <message>
            <location filename="ui/feature_model.py" line="58" />
            <source>Pending</source>
            <translation>待同步</translation>
        </message>
        <message>
            <location filename="ui/feature_model.py" line="58" />
            <source>Synced</source>
            <translation>已同步</translation>
        </message>
        <message>
            <location filename="ui/feature_model.py" line="58" />
            <source>Conflict</source>
            <translation>冲突</translation>
        </message>
        <message>
            <location filename="ui/feature_model.py" line="255" />
            <source>Code</source>
            <translation>编码</translation>
        </message>
        <message>
            <location filename="ui/feature_model.py" line="256" />
            <source>Name</source>
            <translation>名称</translation>
        </message>
        <message>
            <location filename="ui/feature_model.py" line="257" />
            <source>Township</source>
            <translation>乡镇</translation>
        </message>
        <message>
            <location filename="ui/feature_model.py" line="258" />
            <source>Status</source>
            <translation>状态</translation>
        </message>
        <message>
            <location filename="ui/feature_model.py" line="259" />
            <source>Sync</source>
            <translation>同步</translation>
        </message>
        <message>
            <location filename="ui/first_run.py" line="29" />
            <source>&lt;b&gt;No Shuibao store is open.&lt;/b&gt;&lt;br&gt;First time on this computer? Connect to the server with the account the county centre gave you and download your county: the data stay on this computer for work in the field without network.&lt;br&gt;Already have a store file? Open it.</source>
            <translation>&lt;b&gt;尚未打开水保巡检数据库。&lt;/b&gt;&lt;br&gt;第一次在这台电脑上使用？请用县水保中心分配的账号连接服务器，下载本县数据：数据保存在这台电脑上，野外没有网络也能工作。&lt;br&gt;已有数据库文件？直接打开即可。</translation>
        </message>
        <message>
            <location filename="ui/first_run.py" line="35" />
            <source>Connect to the server and download my county…</source>
            <translation>连接服务器并下载本县数据…</translation>
        </message>
        <message>
            <location filename="ui/first_run.py" line="37" />
            <source>Open a store file…</source>
            <translation>打开已有数据库…</translation>
        </message>
        <message>
            <location filename="ui/help_viewer.py" line="28" />
            <source>Shuibao user guide</source>
            <translation>水保巡检使用说明</translation>
        </message>
        <message>
            <location filename="ui/help_viewer.py" line="33" />
            <source>Back</source>
            <translation>上一步</translation>
        </message>
        <message>
            <location filename="ui/help_viewer.py" line="34" />
            <source>Contents</source>
            <translation>目录</translation>
        </message>
        <message>
            <location filename="ui/help_viewer.py" line="56" />
            <source>The user guide is missing from this installation ({0}).</source>
            <translation>本次安装缺少使用说明（{0}）。</translation>
        </message>
        <message>
            <location filename="ui/identity.py" line="26" />
            <source>no role</source>
            <translation>无角色</translation>
        </message>
        <message>
            <location filename="ui/identity.py" line="35" />
            <source>Not logged in</source>
            <translation>未登录</translation>
        </message>
        <message>
            <location filename="ui/identity.py" line="40" />
            <source>{0} ({1})</source>
            <translation>{0}（{1}）</translation>
        </message>
        <message>
            <location filename="ui/identity.py" line="40" />
            <source>, </source>
            <translation>，</translation>
        </message>
        <message>
            <location filename="ui/identity.py" line="59" />
            <source>no server set</source>
            <translation>未设置服务器</translation>
        </message>
        <message>
            <location filename="ui/identity.py" line="60" />
            <source>Logged in on {0} as {1}. Click to log in as someone else or to change the password.</source>
            <translation>已在 {0} 登录为 {1}。点击可换用其他账号登录或修改密码。</translation>
        </message>
        <message>
            <location filename="ui/identity.py" line="62" />
            <source>Nobody is logged in: the workflow buttons stay hidden. Click to log in.</source>
            <translation>尚未登录：检查、销号等流程按钮不会显示。点击此处登录。</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="62" />
            <source>Import registers</source>
            <translation>导入登记数据</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="63" />
            <source>File</source>
            <translation>文件</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="64" />
            <source>Sheet / layer</source>
            <translation>工作表/图层</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="65" />
            <source>Record kind</source>
            <translation>记录类型</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="66" />
            <source>County code</source>
            <translation>县级行政区划代码</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="67" />
            <source>Into store</source>
            <translation>导入到数据库</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="69" />
            <source>Coordinates</source>
            <translation>坐标</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="70" />
            <source>Longitude / X column</source>
            <translation>经度/X 列</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="71" />
            <source>Latitude / Y</source>
            <translation>纬度/Y</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="72" />
            <source>or WKT column</source>
            <translation>或 WKT 列</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="73" />
            <source>Coordinate system</source>
            <translation>坐标系</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="75" />
            <source>Check which column of the file fills each field, and the unit of the column. Fields marked * are required. Derived fields (scale, area…) are computed.</source>
            <translation>请核对每个字段取自文件的哪一列，以及该列的单位。带 * 的字段必填。规模、面积等派生字段由系统计算，不从文件读取。</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="80" />
            <source>Load mapping…</source>
            <translation>载入字段对应…</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="81" />
            <source>Save mapping…</source>
            <translation>保存字段对应…</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="82" />
            <source>Only rows with problems</source>
            <translation>只显示有问题的行</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="83" />
            <source>Export report…</source>
            <translation>导出检查报告…</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="85" />
            <source>Import</source>
            <translation>导入</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="87" />
            <source>Register files ({0})</source>
            <translation>登记数据文件 ({0})</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="123" />
            <source>1. File and coordinates</source>
            <translation>第1步：文件与坐标</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="123" />
            <source>2. Fields</source>
            <translation>第2步：字段对应</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="124" />
            <source>3. Check and import</source>
            <translation>第3步：检查与导入</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="126" />
            <source>Check</source>
            <translation>检查</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="126" />
            <source>Next</source>
            <translation>下一步</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="154" />
            <source>Enter the 6-digit county code (e.g. 360704) the records belong to.</source>
            <translation>请填写这些记录所属的6位县级行政区划代码（如 360704）。</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="201" />
            <source>Reading {0}</source>
            <translation>正在读取 {0}</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="209" />
            <source>{0} rows, {1} columns.</source>
            <translation>共 {0} 行，{1} 列。</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="235" />
            <source>(none)</source>
            <translation>（无）</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="241" />
            <source>Shapes are read from the file.</source>
            <translation>图形取自文件本身。</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="261" />
            <source>Choose the coordinate system…</source>
            <translation>请选择坐标系…</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="265" />
            <source>Other coordinate system…</source>
            <translation>其他坐标系…</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="292" />
            <source>Column in the file</source>
            <translation>文件中的列</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="292" />
            <source>Unit in the file</source>
            <translation>文件中的单位</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="292" />
            <source>Sample</source>
            <translation>示例值</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="293" />
            <source>Value for every row</source>
            <translation>所有行取值</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="310" />
            <source>(not imported)</source>
            <translation>（不导入）</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="346" />
            <source>{0} (from step 1)</source>
            <translation>{0}（取第1步填写的县代码）</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="353" />
            <source>Not imported, computed by the model: {0}</source>
            <translation>不导入、由系统计算的列：{0}</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="380" />
            <source>Load mapping</source>
            <translation>载入字段对应</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="380" />
            <source>Field mapping (*.json)</source>
            <translation>字段对应文件 (*.json)</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="390" />
            <source>The file has no columns {0}.</source>
            <translation>文件中没有这些列：{0}。</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="398" />
            <source>Save mapping</source>
            <translation>保存字段对应</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="423" />
            <source>Checking {0}</source>
            <translation>正在检查 {0}</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="423" />
            <source>Importing {0}</source>
            <translation>正在导入 {0}</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="436" />
            <source>Imported {0}: {1} new, {2} updated.</source>
            <translation>已导入 {0}：新增 {1}，更新 {2}。</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="450" />
            <source>Coordinate system: {0}</source>
            <translation>坐标系：{0}</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="452" />
            <source>Written to the store.</source>
            <translation>已写入数据库。</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="452" />
            <source>Dry run: nothing written yet.</source>
            <translation>试运行：尚未写入任何数据。</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="459" />
            <source>Row</source>
            <translation>行号</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="459" />
            <source>Result</source>
            <translation>结果</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="459" />
            <source>Problems and warnings</source>
            <translation>问题与警告</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="479" />
            <source>Export report</source>
            <translation>导出检查报告</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="479" />
            <source>Excel (*.xlsx);;CSV (*.csv)</source>
            <translation>Excel 文件 (*.xlsx);;CSV 文件 (*.csv)</translation>
        </message>
        <message>
            <location filename="ui/import_dialog.py" line="486" />
            <source>Report saved: {0}</source>
            <translation>检查报告已保存：{0}</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="47" />
            <source>Cannot reach the server. Check the network connection and the server URL, then try again.</source>
            <translation>无法连接服务器。请检查网络连接和服务器地址后重试。</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="49" />
            <source>Login failed: wrong user name or password, or the login has expired. Log in again.</source>
            <translation>登录失败：用户名或密码错误，或登录已过期。请重新登录。</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="51" />
            <source>The plugin's data model ({0}) is incompatible with the server's. Nothing was written and your edits are kept; update the plugin or the server.</source>
            <translation>插件的数据模型（{0}）与服务器不兼容。未写入任何数据，您的编辑均已保留；请升级插件或服务器。</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="57" />
            <source>Unknown error</source>
            <translation>未知错误</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="110" />
            <source>Shuibao server and login</source>
            <translation>水保巡检服务器与登录</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="123" />
            <source>Remember the password (in the QGIS authentication database)</source>
            <translation>记住密码（保存在QGIS认证数据库中）</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="125" />
            <source>Test connection</source>
            <translation>测试连接</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="126" />
            <source>Change password…</source>
            <translation>修改密码…</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="128" />
            <source>Log out</source>
            <translation>退出登录</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="139" />
            <source>Logged in</source>
            <translation>当前登录</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="140" />
            <source>Server URL</source>
            <translation>服务器地址</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="141" />
            <source>User name</source>
            <translation>用户名</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="142" />
            <source>Password</source>
            <translation>密码</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="150" />
            <source>Log in</source>
            <translation>登录</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="175" />
            <source>nobody on this server yet: log in with the account the county centre gave you</source>
            <translation>尚未在此服务器登录：请使用县水保中心分配的账号登录</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="204" />
            <source>Enter the server URL first.</source>
            <translation>请先输入服务器地址。</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="206" />
            <source>Connecting to {0}…</source>
            <translation>正在连接 {0}…</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="215" />
            <source>Shuibao: test connection</source>
            <translation>水保巡检：测试连接</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="223" />
            <source>Connected. Server data model {0}: compatible with this plugin ({1}).</source>
            <translation>已连接。服务器数据模型 {0}，与本插件（{1}）兼容。</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="226" />
            <source>Connected, but the server's data model {0} is NOT compatible with this plugin ({1}): update the plugin or the server.</source>
            <translation>已连接，但服务器数据模型 {0} 与本插件（{1}）不兼容：请升级插件或服务器。</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="234" />
            <source>Enter the server URL, the user name and the password.</source>
            <translation>请输入服务器地址、用户名和密码。</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="236" />
            <source>Logging in to {0}…</source>
            <translation>正在登录 {0}…</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="238" />
            <source>Shuibao: log in</source>
            <translation>水保巡检：登录</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="265" />
            <source>Log {0} out on this computer? The saved login is removed and the workflow buttons stay hidden until someone logs in.</source>
            <translation>在这台电脑上退出 {0} 的登录？保存的登录信息将被清除，在有人重新登录之前流程按钮不会显示。</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="269" />
            <source>{0} edits in the open store are not synced yet: whoever logs in next sends them.</source>
            <translation>打开的数据库中还有 {0} 处修改尚未同步：下一个登录的人同步时会发送它们。</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="288" />
            <source>Logged out.</source>
            <translation>已退出登录。</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="290" />
            <source>Shuibao: log out</source>
            <translation>水保巡检：退出登录</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="298" />
            <source>Enter the server URL and the user name first.</source>
            <translation>请先填写服务器地址和用户名。</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="310" />
            <source>Password changed. You stay logged in; other devices of this account must log in again with the new password.</source>
            <translation>密码已修改，本机保持登录；此账号在其他设备上需用新密码重新登录。</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="332" />
            <source>Change password of {0}</source>
            <translation>修改 {0} 的密码</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="339" />
            <source>At least 8 characters, not your user name and not the current password.</source>
            <translation>至少 8 个字符，不能与用户名或原密码相同。</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="345" />
            <source>Current password</source>
            <translation>原密码</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="346" />
            <source>New password</source>
            <translation>新密码</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="347" />
            <source>New password again</source>
            <translation>再次输入新密码</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="349" />
            <source>Change password</source>
            <translation>修改密码</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="351" />
            <source>Server {0}, user {1}</source>
            <translation>服务器 {0}，用户 {1}</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="368" />
            <source>Enter the current password and the new one.</source>
            <translation>请填写原密码和新密码。</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="371" />
            <source>The two new passwords differ: type the new password twice the same.</source>
            <translation>两次输入的新密码不一致，请重新输入。</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="376" />
            <source>Changing the password on {0}…</source>
            <translation>正在 {0} 上修改密码…</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="379" />
            <source>Shuibao: change password</source>
            <translation>水保巡检：修改密码</translation>
        </message>
        <message>
            <location filename="ui/login_dialog.py" line="388" />
            <source>The user name or the current password is wrong.</source>
            <translation>用户名或原密码不正确。</translation>
        </message>
        <message>
            <location filename="ui/open_store.py" line="26" />
            <source>{0} does not exist.</source>
            <translation>{0} 不存在。</translation>
        </message>
        <message>
            <location filename="ui/open_store.py" line="30" />
            <source>{0} was written by a newer Shuibao plugin: update the plugin to open it.</source>
            <translation>{0} 由更新版本的水保巡检插件写入，请升级插件后再打开。</translation>
        </message>
        <message>
            <location filename="ui/open_store.py" line="34" />
            <source>{0} is not a Shuibao store: it was not downloaded by this plugin. Open the store file made by “Connect to the server and download my county”, or download your county again.</source>
            <translation>{0} 不是水保巡检数据库（不是本插件下载的文件）。请打开“连接服务器并下载本县数据”生成的数据库文件，或重新下载本县数据。</translation>
        </message>
        <message>
            <location filename="ui/open_store.py" line="68" />
            <source>Save or discard the edits of {0} before opening another store.</source>
            <translation>打开其他数据库之前，请先保存或放弃对 {0} 的修改。</translation>
        </message>
        <message>
            <location filename="ui/open_store.py" line="77" />
            <source>Opened {0}: {1} layers</source>
            <translation>已打开 {0}：{1} 个图层</translation>
        </message>
        <message>
            <location filename="ui/open_store.py" line="87" />
            <source>Open a Shuibao store</source>
            <translation>打开水保巡检数据库</translation>
        </message>
        <message>
            <location filename="ui/open_store.py" line="89" />
            <source>Shuibao store (*.gpkg);;All files (*)</source>
            <translation>水保巡检数据库 (*.gpkg);;所有文件 (*)</translation>
        </message>
        <message>
            <location filename="ui/photos.py" line="80" />
            <source>{0} cannot be read: {1}</source>
            <translation>无法读取 {0}：{1}</translation>
        </message>
        <message>
            <location filename="ui/photos.py" line="82" />
            <source>{0} is too large ({1:.1f} MB; at most {2:.0f} MB).</source>
            <translation>{0} 太大（{1:.1f} MB，上限 {2:.0f} MB）。</translation>
        </message>
        <message>
            <location filename="ui/photos.py" line="85" />
            <source>{0} is not a JPEG or PNG photo.</source>
            <translation>{0} 不是JPEG或PNG照片。</translation>
        </message>
        <message>
            <location filename="ui/photos.py" line="248" />
            <source>Photo</source>
            <translation>照片</translation>
        </message>
        <message>
            <location filename="ui/photos.py" line="257" />
            <source>Fit to window</source>
            <translation>适应窗口</translation>
        </message>
        <message>
            <location filename="ui/photos.py" line="262" />
            <source>This photo cannot be shown: {0}</source>
            <translation>无法显示这张照片：{0}</translation>
        </message>
        <message>
            <location filename="ui/photos.py" line="318" />
            <source>Not downloaded</source>
            <translation>未下载</translation>
        </message>
        <message>
            <location filename="ui/photos.py" line="319" />
            <source>Cannot show</source>
            <translation>无法显示</translation>
        </message>
        <message>
            <location filename="ui/photos.py" line="325" />
            <source>The record new photos are attached to</source>
            <translation>新照片所属的记录</translation>
        </message>
        <message>
            <location filename="ui/photos.py" line="328" />
            <source>Add photo…</source>
            <translation>添加照片…</translation>
        </message>
        <message>
            <location filename="ui/photos.py" line="330" />
            <source>Attach JPEG or PNG photos to the chosen record</source>
            <translation>为所选记录添加JPEG或PNG照片</translation>
        </message>
        <message>
            <location filename="ui/photos.py" line="496" />
            <source>Photos ({0})</source>
            <translation>照片（{0}）</translation>
        </message>
        <message>
            <location filename="ui/photos.py" line="510" />
            <source>Taken {0}</source>
            <translation>拍摄于 {0}</translation>
        </message>
        <message>
            <location filename="ui/photos.py" line="512" />
            <source>Added {0}</source>
            <translation>添加于 {0}</translation>
        </message>
        <message>
            <location filename="ui/photos.py" line="517" />
            <source>Double-click to open at full size.</source>
            <translation>双击查看原图。</translation>
        </message>
        <message>
            <location filename="ui/photos.py" line="518" />
            <source>Not downloaded yet: double-click to download it.</source>
            <translation>尚未下载：双击下载。</translation>
        </message>
        <message>
            <location filename="ui/photos.py" line="563" />
            <source>Add photos</source>
            <translation>添加照片</translation>
        </message>
        <message>
            <location filename="ui/photos.py" line="563" />
            <source>Photos (*.jpg *.jpeg *.png *.JPG *.JPEG *.PNG)</source>
            <translation>照片 (*.jpg *.jpeg *.png *.JPG *.JPEG *.PNG)</translation>
        </message>
        <message>
            <location filename="ui/photos.py" line="589" />
            <source>Select an object first.</source>
            <translation>请先选择一个对象。</translation>
        </message>
        <message>
            <location filename="ui/photos.py" line="592" />
            <source>No photo layer: open a Shuibao store first.</source>
            <translation>没有照片图层：请先打开水保巡检数据库。</translation>
        </message>
        <message>
            <location filename="ui/photos.py" line="595" />
            <source>Save or discard the edits of the photo layer first.</source>
            <translation>请先保存或放弃照片图层的编辑。</translation>
        </message>
        <message>
            <location filename="ui/photos.py" line="610" />
            <source>{0} was not added: {1}</source>
            <translation>{0} 未添加：{1}</translation>
        </message>
        <message>
            <location filename="ui/photos.py" line="624" />
            <source>{0} photo(s) added to {1}.</source>
            <translation>已为 {1} 添加 {0} 张照片。</translation>
        </message>
        <message>
            <location filename="ui/photos.py" line="685" />
            <source>This photo is not on this laptop yet: log in with “Server and login…” to download it.</source>
            <translation>本机上还没有这张照片：请通过“服务器与登录…”登录后下载。</translation>
        </message>
        <message>
            <location filename="ui/photos.py" line="689" />
            <source>A photo is being downloaded: wait for it.</source>
            <translation>正在下载一张照片，请稍候。</translation>
        </message>
        <message>
            <location filename="ui/photos.py" line="708" />
            <source>Your login has expired: log in again with “Server and login…” to download photos.</source>
            <translation>登录已过期：请通过“服务器与登录…”重新登录后下载照片。</translation>
        </message>
        <message>
            <location filename="ui/photos.py" line="712" />
            <source>The photo could not be downloaded: {0}</source>
            <translation>照片下载失败：{0}</translation>
        </message>
        <message>
            <location filename="ui/photos.py" line="716" />
            <source>Downloading a photo</source>
            <translation>下载照片</translation>
        </message>
        <message>
            <location filename="ui/photos.py" line="718" />
            <source>Downloading the photo…</source>
            <translation>正在下载照片…</translation>
        </message>
        <message>
            <location filename="ui/record_form.py" line="139" />
            <source>Save draft</source>
            <translation>保存草稿</translation>
        </message>
        <message>
            <location filename="ui/record_form.py" line="163" />
            <source>Still needed for “{0}”:</source>
            <translation>“{0}”还需要：</translation>
        </message>
        <message>
            <location filename="ui/record_form.py" line="165" />
            <source>Still needed before it can be saved:</source>
            <translation>保存前还须填写：</translation>
        </message>
        <message>
            <location filename="ui/record_form.py" line="167" />
            <source>Still to fill in (a draft saves with gaps):</source>
            <translation>还需填写（草稿可以先保存）：</translation>
        </message>
        <message>
            <location filename="ui/record_form.py" line="169" />
            <source>Still to fill in (it saves with gaps):</source>
            <translation>还需填写（可以先保存）：</translation>
        </message>
        <message>
            <location filename="ui/record_form.py" line="177" />
            <source>on the “{0}” tab</source>
            <translation>在“{0}”页</translation>
        </message>
        <message>
            <location filename="ui/record_form.py" line="216" />
            <source>Correct this first (the server would refuse it):</source>
            <translation>请先改正（否则服务器会拒收）：</translation>
        </message>
        <message>
            <location filename="ui/record_form.py" line="228" />
            <source>The record could not be saved.</source>
            <translation>记录未能保存。</translation>
        </message>
        <message>
            <location filename="ui/record_form.py" line="233" />
            <source>The store refused the record: {0}</source>
            <translation>数据库拒绝了这条记录：{0}</translation>
        </message>
        <message>
            <location filename="ui/rejected_dialog.py" line="53" />
            <source>new record</source>
            <translation>新建</translation>
        </message>
        <message>
            <location filename="ui/rejected_dialog.py" line="53" />
            <source>changed</source>
            <translation>修改</translation>
        </message>
        <message>
            <location filename="ui/rejected_dialog.py" line="53" />
            <source>deleted</source>
            <translation>删除</translation>
        </message>
        <message>
            <location filename="ui/rejected_dialog.py" line="67" />
            <source>the whole record</source>
            <translation>整条记录</translation>
        </message>
        <message>
            <location filename="ui/rejected_dialog.py" line="86" />
            <source>Edits refused by the server</source>
            <translation>服务器拒绝的修改</translation>
        </message>
        <message>
            <location filename="ui/rejected_dialog.py" line="97" />
            <source>Record</source>
            <translation>记录</translation>
        </message>
        <message>
            <location filename="ui/rejected_dialog.py" line="97" />
            <source>Edit</source>
            <translation>操作</translation>
        </message>
        <message>
            <location filename="ui/rejected_dialog.py" line="97" />
            <source>What it changes</source>
            <translation>修改内容</translation>
        </message>
        <message>
            <location filename="ui/rejected_dialog.py" line="97" />
            <source>Why the server refused it</source>
            <translation>服务器拒绝的原因</translation>
        </message>
        <message>
            <location filename="ui/rejected_dialog.py" line="104" />
            <source>Open the record</source>
            <translation>打开记录</translation>
        </message>
        <message>
            <location filename="ui/rejected_dialog.py" line="106" />
            <source>Send again</source>
            <translation>重新提交</translation>
        </message>
        <message>
            <location filename="ui/rejected_dialog.py" line="108" />
            <source>After fixing the record: send it at the next sync</source>
            <translation>改正记录后：下次同步时重新发送</translation>
        </message>
        <message>
            <location filename="ui/rejected_dialog.py" line="109" />
            <source>Give up the edit</source>
            <translation>放弃修改</translation>
        </message>
        <message>
            <location filename="ui/rejected_dialog.py" line="111" />
            <source>Put the record back to the server's values</source>
            <translation>把记录恢复为服务器上的内容</translation>
        </message>
        <message>
            <location filename="ui/rejected_dialog.py" line="136" />
            <source>(no reason given)</source>
            <translation>（未说明原因）</translation>
        </message>
        <message>
            <location filename="ui/rejected_dialog.py" line="148" />
            <source>{0} edits were refused by the server. They are kept on this computer: open the record and fix it, then send it again; or give the edit up.</source>
            <translation>服务器拒绝了 {0} 处修改，已保留在本机：请打开记录改正后重新提交，或放弃修改。</translation>
        </message>
        <message>
            <location filename="ui/rejected_dialog.py" line="150" />
            <source>The server refused none of this store's edits.</source>
            <translation>服务器没有拒绝本数据库的任何修改。</translation>
        </message>
        <message>
            <location filename="ui/rejected_dialog.py" line="153" />
            <source>{0} edits wait for their photo to reach the server: they are sent by themselves at a later sync.</source>
            <translation>另有 {0} 条修改在等待其照片上传到服务器，之后的同步会自动发送。</translation>
        </message>
        <message>
            <location filename="ui/rejected_dialog.py" line="197" />
            <source>Give up this edit of {0}? The record goes back to what the server has; a new record the server never took is removed. This cannot be undone.</source>
            <translation>放弃对 {0} 的这处修改？记录将恢复为服务器上的内容；服务器未接收的新记录将被删除。此操作无法撤销。</translation>
        </message>
        <message>
            <location filename="ui/report_ui.py" line="102" />
            <source>{0}: working…</source>
            <translation>{0}：正在生成…</translation>
        </message>
        <message>
            <location filename="ui/report_ui.py" line="108" />
            <source>Canceled.</source>
            <translation>已取消。</translation>
        </message>
        <message>
            <location filename="ui/report_ui.py" line="112" />
            <source>Saved {0}</source>
            <translation>已保存 {0}</translation>
        </message>
        <message>
            <location filename="ui/report_ui.py" line="113" />
            <source>Open</source>
            <translation>打开</translation>
        </message>
        <message>
            <location filename="ui/report_ui.py" line="114" />
            <source>Open folder</source>
            <translation>打开文件夹</translation>
        </message>
        <message>
            <location filename="ui/report_ui.py" line="121" />
            <source>The report could not be made: {0}</source>
            <translation>无法生成报表：{0}</translation>
        </message>
        <message>
            <location filename="ui/report_ui.py" line="156" />
            <source>County (for titles)</source>
            <translation>县（区）名称（用于标题）</translation>
        </message>
        <message>
            <location filename="ui/report_ui.py" line="157" />
            <source>e.g. 赣县区</source>
            <translation>如：赣县区</translation>
        </message>
        <message>
            <location filename="ui/report_ui.py" line="158" />
            <source>Issuing unit</source>
            <translation>发文单位</translation>
        </message>
        <message>
            <location filename="ui/report_ui.py" line="159" />
            <source>e.g. 赣县区水土保持中心</source>
            <translation>如：赣县区水土保持中心</translation>
        </message>
        <message>
            <location filename="ui/report_ui.py" line="166" />
            <source>Only the period</source>
            <translation>限定期间</translation>
        </message>
        <message>
            <location filename="ui/report_ui.py" line="172" />
            <source>Save as</source>
            <translation>保存为</translation>
        </message>
        <message>
            <location filename="ui/report_ui.py" line="173" />
            <source>Open the file when it is ready</source>
            <translation>完成后打开文件</translation>
        </message>
        <message>
            <location filename="ui/report_ui.py" line="186" />
            <source>Export ledgers to Excel</source>
            <translation>导出台账到 Excel</translation>
        </message>
        <message>
            <location filename="ui/report_ui.py" line="187" />
            <source>Ledgers (one sheet each)</source>
            <translation>台账（每个一个工作表）</translation>
        </message>
        <message>
            <location filename="ui/report_ui.py" line="197" />
            <source>Excel workbook (*.xlsx)</source>
            <translation>Excel 工作簿 (*.xlsx)</translation>
        </message>
        <message>
            <location filename="ui/report_ui.py" line="198" />
            <source>Reports</source>
            <translation>报表</translation>
        </message>
        <message>
            <location filename="ui/report_ui.py" line="198" />
            <source>Ledgers</source>
            <translation>台账</translation>
        </message>
        <message>
            <location filename="ui/report_ui.py" line="203" />
            <source>Print forms to PDF</source>
            <translation>打印表单为 PDF</translation>
        </message>
        <message>
            <location filename="ui/report_ui.py" line="204" />
            <source>Form (one for each record of the list)</source>
            <translation>表单（列表中每条记录一份）</translation>
        </message>
        <message>
            <location filename="ui/report_ui.py" line="209" />
            <source>PDF (*.pdf)</source>
            <translation>PDF (*.pdf)</translation>
        </message>
        <message>
            <location filename="ui/report_ui.py" line="227" />
            <source>{0}: every object of the store</source>
            <translation>{0}：数据库中的全部对象</translation>
        </message>
        <message>
            <location filename="ui/report_ui.py" line="229" />
            <source>{0}: the {1} objects the dock lists</source>
            <translation>{0}：对象面板当前列出的 {1} 个对象</translation>
        </message>
        <message>
            <location filename="ui/report_ui.py" line="234" />
            <source>{0} records to print</source>
            <translation>共 {0} 条记录待打印</translation>
        </message>
        <message>
            <location filename="ui/report_ui.py" line="258" />
            <source>Choose where to save the file.</source>
            <translation>请选择保存位置。</translation>
        </message>
        <message>
            <location filename="ui/report_ui.py" line="266" />
            <source>Choose at least one ledger.</source>
            <translation>请至少选择一个台账。</translation>
        </message>
        <message>
            <location filename="ui/report_ui.py" line="270" />
            <source>Export ledgers</source>
            <translation>导出台账</translation>
        </message>
        <message>
            <location filename="ui/report_ui.py" line="274" />
            <source>The list holds no record for this form.</source>
            <translation>列表中没有可用此表单打印的记录。</translation>
        </message>
        <message>
            <location filename="ui/report_ui.py" line="279" />
            <source>Print forms</source>
            <translation>打印表单</translation>
        </message>
        <message>
            <location filename="ui/report_ui.py" line="314" />
            <source>Export / print</source>
            <translation>导出/打印</translation>
        </message>
        <message>
            <location filename="ui/report_ui.py" line="318" />
            <source>Export ledgers of the list to Excel…</source>
            <translation>导出列表中对象的台账（Excel）…</translation>
        </message>
        <message>
            <location filename="ui/report_ui.py" line="324" />
            <source>Print {0} of the selection</source>
            <translation>打印所选记录的{0}</translation>
        </message>
        <message>
            <location filename="ui/report_ui.py" line="326" />
            <source>Print forms of the whole list…</source>
            <translation>批量打印列表中的表单（PDF）…</translation>
        </message>
        <message>
            <location filename="ui/report_ui.py" line="357" />
            <source>search “{0}”</source>
            <translation>搜索“{0}”</translation>
        </message>
        <message>
            <location filename="ui/report_ui.py" line="417" />
            <source>Some layers have unsaved edits: the reports hold only what is saved.</source>
            <translation>有图层存在未保存的编辑：报表只包含已保存的数据。</translation>
        </message>
        <message>
            <location filename="ui/report_ui.py" line="423" />
            <source>Open a store first.</source>
            <translation>请先打开数据库。</translation>
        </message>
        <message>
            <location filename="ui/report_ui.py" line="437" />
            <source>Select an object or a record first.</source>
            <translation>请先选择一个对象或记录。</translation>
        </message>
        <message>
            <location filename="ui/report_ui.py" line="442" />
            <source>Prints</source>
            <translation>打印</translation>
        </message>
        <message>
            <location filename="ui/report_ui.py" line="444" />
            <source>Print {0}</source>
            <translation>打印{0}</translation>
        </message>
        <message>
            <location filename="ui/reports_menu.py" line="27" />
            <source>Statistics and targets</source>
            <translation>统计与目标</translation>
        </message>
        <message>
            <location filename="ui/reports_menu.py" line="32" />
            <source>Export ledgers to Excel…</source>
            <translation>导出台账到 Excel…</translation>
        </message>
        <message>
            <location filename="ui/reports_menu.py" line="33" />
            <source>Print forms to PDF…</source>
            <translation>打印表单为 PDF…</translation>
        </message>
        <message>
            <location filename="ui/stats_dock.py" line="74" />
            <source>Years</source>
            <translation>年度</translation>
        </message>
        <message>
            <location filename="ui/stats_dock.py" line="75" />
            <source>Refresh</source>
            <translation>刷新</translation>
        </message>
        <message>
            <location filename="ui/stats_dock.py" line="76" />
            <source>Export to Excel</source>
            <translation>导出到 Excel</translation>
        </message>
        <message>
            <location filename="ui/stats_dock.py" line="77" />
            <source>Targets…</source>
            <translation>目标任务…</translation>
        </message>
        <message>
            <location filename="ui/stats_dock.py" line="80" />
            <source>Targets</source>
            <translation>目标完成</translation>
        </message>
        <message>
            <location filename="ui/stats_dock.py" line="80" />
            <source>Dams</source>
            <translation>淤地坝</translation>
        </message>
        <message>
            <location filename="ui/stats_dock.py" line="80" />
            <source>Hazards</source>
            <translation>隐患</translation>
        </message>
        <message>
            <location filename="ui/stats_dock.py" line="80" />
            <source>崩岗</source>
            <translation>崩岗</translation>
        </message>
        <message>
            <location filename="ui/stats_dock.py" line="81" />
            <source>Watersheds</source>
            <translation>小流域</translation>
        </message>
        <message>
            <location filename="ui/stats_dock.py" line="167" />
            <source>Whole county</source>
            <translation>全县</translation>
        </message>
        <message>
            <location filename="ui/stats_dock.py" line="178" />
            <source>Only technicians and admins set targets.</source>
            <translation>只有技术员和管理员可以设置目标任务。</translation>
        </message>
        <message>
            <location filename="ui/stats_dock.py" line="202" />
            <source>{0} targets in {1}–{2}</source>
            <translation>{1}—{2} 年共 {0} 项目标任务</translation>
        </message>
        <message>
            <location filename="ui/stats_dock.py" line="207" />
            <source>How it is counted: {0}. {1}.</source>
            <translation>统计口径：{0}。{1}。</translation>
        </message>
        <message>
            <location filename="ui/stats_dock.py" line="230" />
            <source>Share of each target reached (%)</source>
            <translation>各项目标完成率（%）</translation>
        </message>
        <message>
            <location filename="ui/stats_dock.py" line="232" />
            <source>Reached</source>
            <translation>完成率</translation>
        </message>
        <message>
            <location filename="ui/stats_dock.py" line="238" />
            <source>崩岗 treated in the period against the township targets</source>
            <translation>期内崩岗治理完成数与乡镇目标</translation>
        </message>
        <message>
            <location filename="ui/stats_dock.py" line="240" />
            <source>Target</source>
            <translation>目标</translation>
        </message>
        <message>
            <location filename="ui/stats_dock.py" line="241" />
            <source>Treated</source>
            <translation>期内完成</translation>
        </message>
        <message>
            <location filename="ui/stats_dock.py" line="245" />
            <source>Hazards found, closed and overdue</source>
            <translation>隐患发现、销号与逾期</translation>
        </message>
        <message>
            <location filename="ui/stats_dock.py" line="247" />
            <source>Found</source>
            <translation>发现</translation>
        </message>
        <message>
            <location filename="ui/stats_dock.py" line="248" />
            <source>Closed</source>
            <translation>销号</translation>
        </message>
        <message>
            <location filename="ui/stats_dock.py" line="262" />
            <source>Statistics</source>
            <translation>统计</translation>
        </message>
        <message>
            <location filename="ui/stats_dock.py" line="267" />
            <source>Export statistics</source>
            <translation>导出统计</translation>
        </message>
        <message>
            <location filename="ui/stats_dock.py" line="275" />
            <source>The store has no target table: open it again to upgrade it.</source>
            <translation>数据库中没有目标任务表：请重新打开数据库以完成升级。</translation>
        </message>
        <message>
            <location filename="ui/sync_ui.py" line="37" />
            <source>Sync finished: {0} sent, {1} received, {2} merged, {3} conflicts, {4} photos</source>
            <translation>同步完成：发送 {0}，接收 {1}，合并 {2}，冲突 {3}，照片 {4}</translation>
        </message>
        <message>
            <location filename="ui/sync_ui.py" line="41" />
            <source>; {0} edits refused by the server (kept)</source>
            <translation>；服务器拒绝了 {0} 处编辑（已保留）</translation>
        </message>
        <message>
            <location filename="ui/sync_ui.py" line="109" />
            <source>Send local edits to the server and receive the changes of others</source>
            <translation>把本机的编辑发送到服务器，并接收他人的修改</translation>
        </message>
        <message>
            <location filename="ui/sync_ui.py" line="110" />
            <source>Server and login…</source>
            <translation>服务器与登录…</translation>
        </message>
        <message>
            <location filename="ui/sync_ui.py" line="111" />
            <source>Resolve conflicts…</source>
            <translation>处理冲突…</translation>
        </message>
        <message>
            <location filename="ui/sync_ui.py" line="113" />
            <source>Refused edits…</source>
            <translation>被拒绝的修改…</translation>
        </message>
        <message>
            <location filename="ui/sync_ui.py" line="204" />
            <source>Shuibao sync</source>
            <translation>水保巡检同步</translation>
        </message>
        <message>
            <location filename="ui/sync_ui.py" line="223" />
            <source>Cancel</source>
            <translation>取消</translation>
        </message>
        <message>
            <location filename="ui/sync_ui.py" line="258" />
            <source>A sync is already running.</source>
            <translation>同步正在进行中。</translation>
        </message>
        <message>
            <location filename="ui/sync_ui.py" line="289" />
            <source>Save or discard the edits of {0} first: unsaved edits are not synchronised.</source>
            <translation>请先保存或放弃 {0} 的编辑：未保存的编辑不会同步。</translation>
        </message>
        <message>
            <location filename="ui/sync_ui.py" line="300" />
            <source>Downloading your counties into {0}…</source>
            <translation>正在下载您负责的县（区）数据到 {0}…</translation>
        </message>
        <message>
            <location filename="ui/sync_ui.py" line="302" />
            <source>Synchronising {0} with {1}…</source>
            <translation>正在同步 {0} 与 {1}…</translation>
        </message>
        <message>
            <location filename="ui/sync_ui.py" line="341" />
            <source>Sync cancelled. Nothing is lost: the next sync continues where this one stopped.</source>
            <translation>同步已取消。数据没有丢失：下次同步将从中断处继续。</translation>
        </message>
        <message>
            <location filename="ui/sync_ui.py" line="364" />
            <source>Log in…</source>
            <translation>登录…</translation>
        </message>
        <message>
            <location filename="ui/sync_ui.py" line="367" />
            <source>Retry</source>
            <translation>重试</translation>
        </message>
        <message>
            <location filename="ui/sync_ui.py" line="393" />
            <source>No store is open. Download your counties from {0} into a new store file?</source>
            <translation>尚未打开数据库。是否从 {0} 下载您负责的县（区）数据到新的数据库文件？</translation>
        </message>
        <message>
            <location filename="ui/sync_ui.py" line="416" />
            <source>New Shuibao store</source>
            <translation>新建水保巡检数据库</translation>
        </message>
        <message>
            <location filename="ui/sync_ui.py" line="417" />
            <source>Shuibao store (*.gpkg)</source>
            <translation>水保巡检数据库 (*.gpkg)</translation>
        </message>
        <message>
            <location filename="ui/sync_ui.py" line="423" />
            <source>{0} already exists: choose a new file name for the new store.</source>
            <translation>{0} 已存在：请为新数据库另选文件名。</translation>
        </message>
        <message>
            <location filename="ui/sync_ui.py" line="446" />
            <source>Logged in: {0}</source>
            <translation>已登录：{0}</translation>
        </message>
        <message>
            <location filename="ui/sync_ui.py" line="486" />
            <source>The record is not in the open store's layers.</source>
            <translation>打开的数据库中找不到这条记录。</translation>
        </message>
        <message>
            <location filename="ui/thresholds_dialog.py" line="45" />
            <source>Flood season and patrols</source>
            <translation>汛期与巡查</translation>
        </message>
        <message>
            <location filename="ui/thresholds_dialog.py" line="45" />
            <source>Soil erosion</source>
            <translation>土壤侵蚀</translation>
        </message>
        <message>
            <location filename="ui/thresholds_dialog.py" line="45" />
            <source>Gullies</source>
            <translation>崩岗与侵蚀沟</translation>
        </message>
        <message>
            <location filename="ui/thresholds_dialog.py" line="46" />
            <source>Watersheds and acceptance</source>
            <translation>小流域与验收</translation>
        </message>
        <message>
            <location filename="ui/thresholds_dialog.py" line="46" />
            <source>Other</source>
            <translation>其他</translation>
        </message>
        <message>
            <location filename="ui/thresholds_dialog.py" line="72" />
            <source>Thresholds in force</source>
            <translation>现行阈值与依据</translation>
        </message>
        <message>
            <location filename="ui/thresholds_dialog.py" line="73" />
            <source>County</source>
            <translation>县（区）</translation>
        </message>
        <message>
            <location filename="ui/thresholds_dialog.py" line="75" />
            <source>Marks: verified = seen in an official source; unofficial source = from an unofficial copy of a standard or common practice; inference = an assumption of this software (highlighted), not found in any source: check it against your local rules. The server's administrator sets values per province, prefecture or county; the sync brings them, and they hold offline until the next sync.</source>
            <translation>核实标记：已核实 = 见于正式文件；非官方来源 = 来自标准的非官方文本或行业惯例；推断 = 本软件的假设（底色标出），未见于任何来源，请对照本地规定核实。服务器管理员可按省、市或县设置阈值；同步时下发，离线时沿用至下次同步。</translation>
        </message>
        <message>
            <location filename="ui/thresholds_dialog.py" line="110" />
            <source>No store with objects is open: the model's defaults and built-in regional values are shown.</source>
            <translation>未打开含有对象的数据库：显示模型默认值和内置的地区值。</translation>
        </message>
        <message>
            <location filename="ui/thresholds_dialog.py" line="115" />
            <source>Delivered by the server at the last sync ({0} UTC); they hold offline until the next sync.</source>
            <translation>上次同步时由服务器下发（{0} UTC）；离线时沿用至下次同步。</translation>
        </message>
        <message>
            <location filename="ui/thresholds_dialog.py" line="122" />
            <source>Not yet received from the server: the model's built-in values for the region are used until the next sync.</source>
            <translation>尚未从服务器获取：同步前使用模型内置的本地区默认值。</translation>
        </message>
        <message>
            <location filename="ui/thresholds_dialog.py" line="130" />
            <source>Group</source>
            <translation>类别</translation>
        </message>
        <message>
            <location filename="ui/thresholds_dialog.py" line="130" />
            <source>Threshold</source>
            <translation>阈值</translation>
        </message>
        <message>
            <location filename="ui/thresholds_dialog.py" line="130" />
            <source>Value</source>
            <translation>数值</translation>
        </message>
        <message>
            <location filename="ui/thresholds_dialog.py" line="130" />
            <source>From</source>
            <translation>来源</translation>
        </message>
        <message>
            <location filename="ui/thresholds_dialog.py" line="130" />
            <source>Mark</source>
            <translation>核实</translation>
        </message>
        <message>
            <location filename="ui/thresholds_dialog.py" line="130" />
            <source>Basis</source>
            <translation>依据</translation>
        </message>
        <message>
            <location filename="ui/thresholds_dialog.py" line="158" />
            <source>Model default</source>
            <translation>模型默认</translation>
        </message>
        <message>
            <location filename="ui/thresholds_dialog.py" line="160" />
            <source>{0} (set on the server by {1})</source>
            <translation>{0}（服务器设置，设置人 {1}）</translation>
        </message>
        <message>
            <location filename="ui/thresholds_dialog.py" line="162" />
            <source>{0} (built in)</source>
            <translation>{0}（内置）</translation>
        </message>
    </context>
</TS>
