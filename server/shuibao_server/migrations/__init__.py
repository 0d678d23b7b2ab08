"""Alembic migrations of the server database (run by `shuibao-server init`)."""
