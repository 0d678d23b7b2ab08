"""Model 2.0: thresholds per province, prefecture or county; records brought to the 2.0 model.

* `thresholds`: values set on this server for a scope (6-digit division code), each with its basis
  and mark (shuibao.model.regions resolves them over the model's built-in regional sets).
* Records: the data steps of model 2.0 (`shuibao.model.version.UPGRADES`), the same the plugin
  applies to a 1.x store: renamed fields, and fields the old ones determine (a de-listed dam's cause
  from the reason typed before). The record's revision does not change: an upgraded store applies
  the same steps to its base copies, so nothing looks changed on either side.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "thresholds",
        sa.Column("scope", sa.String(6), primary_key=True),
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("basis", sa.String(500), nullable=False),
        sa.Column("mark", sa.String(1), nullable=False),
        sa.Column("scope_name", sa.String(64)),
        sa.Column("set_by", sa.String(64), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
    )
    _upgrade_records(op.get_bind())


def _upgrade_records(bind) -> None:
    from shuibao.model.version import upgrades_between

    steps = upgrades_between("1.1", "2.0")
    records = sa.table(
        "records", sa.column("uuid"), sa.column("kind"), sa.column("data", sa.JSON), sa.column("field_meta", sa.JSON)
    )
    kinds = set().union(*(step.kinds() for step in steps))
    query = sa.select(records.c.uuid, records.c.kind, records.c.data, records.c.field_meta).where(
        records.c.kind.in_(sorted(kinds))
    )
    rows = bind.execute(query).all() if kinds else []
    for uuid, kind, data, meta in rows:
        new_data, new_meta = dict(data), dict(meta or {})
        for step in steps:
            renames = step.renames(kind)
            new_data = {renames.get(k, k): v for k, v in new_data.items()}
            new_meta = {renames.get(k, k): v for k, v in new_meta.items()}
            if step.complete is not None:
                new_data.update(step.complete(kind, new_data))
        if new_data != data or new_meta != (meta or {}):
            bind.execute(records.update().where(records.c.uuid == uuid).values(data=new_data, field_meta=new_meta))


def downgrade() -> None:
    op.drop_table("thresholds")
