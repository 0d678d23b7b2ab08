<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>Shuibao</name>
    <message>
        <source>Shuibao</source>
        <translation>水保巡检</translation>
    </message>
    <message>
        <source>Open store…</source>
        <translation>打开数据库…</translation>
    </message>
    <message>
        <source>Check dams</source>
        <translation>淤地坝</translation>
    </message>
    <message>
        <source>Gully-erosion patches</source>
        <translation>侵蚀沟·崩岗图斑</translation>
    </message>
    <message>
        <source>Small watersheds</source>
        <translation>小流域</translation>
    </message>
    <message>
        <source>Filter by code, name or status…</source>
        <translation>按编码、名称或状态筛选…</translation>
    </message>
    <message>
        <source>No layer: open a Shuibao store first</source>
        <translation>无图层：请先打开水保巡检数据库</translation>
    </message>
    <message>
        <source>{0} features</source>
        <translation>共 {0} 条</translation>
    </message>
    <message>
        <source>{0} of {1} features shown</source>
        <translation>显示 {0} / {1} 条</translation>
    </message>
    <message>
        <source>Opened {0}: {1} layers</source>
        <translation>已打开 {0}：{1} 个图层</translation>
    </message>
    <message>
        <source>Open a Shuibao store</source>
        <translation>打开水保巡检数据库</translation>
    </message>
    <message>
        <source>Shuibao store (*.gpkg);;All files (*)</source>
        <translation>水保巡检数据库 (*.gpkg);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>编码</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
</context>
</TS>
