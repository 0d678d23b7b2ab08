"""The offline store as the target of a register import.

Records are read and written only through :class:`layers.store.Store`'s public methods, so imported
records are local edits like any other: the change log records them and the next sync pushes them,
where the server judges them by the same rules once more.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..layers.store import Store, transaction
from ..registers import crs as crslib
from ..registers import geometry
from ..registers.plan import Plan
from ..registers.run import extent_kinds


class StoreTarget:
    def __init__(self, store: Store | str, role: str = "technician"):
        self.store = store if isinstance(store, Store) else Store(store)
        self.role = role

    def records(self, kind: str, counties: set[str] | None) -> Iterable[dict[str, Any]]:
        where = {"county_code": sorted(counties)} if counties else None
        return self.store.records(kind, where)

    def extent(self, county: str) -> crslib.Extent | None:
        """The extent of the county's registered objects in the store (dams, patches, watersheds)."""
        where = {"county_code": [county]}
        return geometry.extent(rec.get("geom") for main in extent_kinds() for rec in self.store.records(main, where))

    def write(self, plan: Plan) -> dict[str, int]:
        """Inserts and updates of the plan, in one transaction."""
        conn = self.store.connect()
        try:
            with transaction(conn):
                inserted = self.store.insert_records(plan.kind, plan.inserts(), conn=conn)
                updated = self.store.update_records(plan.kind, plan.updates(), conn=conn)
        finally:
            conn.close()
        return {"inserted": inserted, "updated": updated}
