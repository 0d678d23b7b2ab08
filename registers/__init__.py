"""Importing a county's existing registers (Excel, CSV, Shapefile, GeoPackage, GeoJSON, KML).

Plain Python with geopandas, pyproj and openpyxl; no QGIS import. The plugin (dialog, the
Processing algorithm ``shuibao:import``) and the server (``shuibao-server import``) all run the
same steps here: read the file (:mod:`.sources`), find its coordinate system (:mod:`.crs`),
map its columns to model fields (:mod:`.mapping`), turn each row into a record and judge it by the
model's rules (:mod:`.plan`), report (:mod:`.report`), then let the caller's target write it
(:func:`.run.run_import`). Generic over ``model.RECORD_KINDS``: kinds, fields, units and enumeration
labels come from the model; only header and label variants live in :mod:`.vocabulary`.
"""

from __future__ import annotations

from .deps import MissingLibrary
from .errors import ImportFailure

__all__ = ["ImportFailure", "MissingLibrary"]
