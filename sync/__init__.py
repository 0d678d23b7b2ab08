"""Sync client: push/pull between the offline store and the central server (no widgets here).

``engine`` and ``api`` are plain Python (testable without QGIS); ``task``, ``credentials`` and
``processing`` wrap them for QGIS. Import submodules explicitly; nothing runs at import time.
"""
