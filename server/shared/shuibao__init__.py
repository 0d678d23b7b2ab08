"""Code shared by the Shuibao QGIS plugin and its sync server (installed with the server).

In the plugin, `shuibao` is the plugin itself; in a server installation it only holds the
shared packages (`shuibao.model`, …), so both sides import them by the same name. The list of
shared packages is in server/pyproject.toml (`[tool.hatch.build.hooks.custom] shared`).
"""
