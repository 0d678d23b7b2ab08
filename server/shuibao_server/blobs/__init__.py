"""Photos: the content-addressed file store, the `blobs` table, and the upload steps.

`store.py` keeps the bytes (no database), `catalog.py` owns the `blobs` table and decides who
may read a photo, `upload.py` runs a whole or chunked upload from request to committed blob.
"""
