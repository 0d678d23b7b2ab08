"""The offline store (GeoPackage with change capture) and, in project.py, its QGIS layers.

This module imports nothing from QGIS: the store is plain sqlite3 + GDAL.
"""
