"""Sync client: push/pull between the offline store and the central server (no widgets here).

``run.run_sync`` is the one entry point (client → engine → sync → close). ``engine`` decides what
to push and how to merge what is pulled, ``photos`` moves photo blobs, ``api`` speaks HTTP; they
are plain Python. ``task``, ``credentials`` and ``processing`` wrap them for QGIS. The tables they
use live in the store and are owned by ``layers.store`` (records, change log) and
``layers.sync_local`` (outbox, base copies, conflicts, photo state); values are converted by
``layers.codec``. Import submodules explicitly; nothing runs at import time.
"""
