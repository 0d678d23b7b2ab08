"""The plugin side of register imports: the store as an import target, the task and the Processing
algorithm ``shuibao:import``. The import itself is :mod:`shuibao.registers` (shared with the server);
the dialog is ``ui/import_dialog.py``."""
