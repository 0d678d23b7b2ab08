"""What a county hands in: ledgers (台账) to Excel, printed forms (PDF) and statistics against targets.

Two halves. Plain Python over the store, no QGIS import, testable alone and reusable by the server
and by later ledgers (the remote-sensing spot ledger of issue 15):

* :mod:`.data` reads a store read-only and turns model values into what a sheet or a form shows;
* :mod:`.ledgers` declares the ledgers and their filters;
* :mod:`.stats` counts the statistics and the progress against the ``target`` records;
* :mod:`.excel` writes workbooks (openpyxl, guarded with a clear message when it is missing).

QGIS parts: :mod:`.layouts` builds the print layouts of the forms and exports them to PDF (one
record or an atlas); :mod:`.processing` offers all of it as Processing algorithms.
"""
