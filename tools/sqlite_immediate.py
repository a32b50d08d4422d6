"""Make every SQLite transaction of a local-cloud server ``BEGIN IMMEDIATE``.

Imported by the ``gunicorn.conf.py`` that ``local_cloud.py`` writes, so it
runs in the gunicorn master before the worker forks and loads Glance or
Keystone.

Why: oslo.db turns pysqlite's own transaction handling off and emits a
plain (deferred) ``BEGIN`` itself. A deferred transaction that reads and
then writes cannot wait for a concurrent writer in WAL mode: SQLite answers
``database is locked`` at once instead of using the busy timeout, and the
server returns HTTP 500. Keystone does exactly that on the first token of a
user each day (``UPDATE user SET last_active_at``), Glance on most image
and member updates, so tests that run in parallel saw random 500s.
``BEGIN IMMEDIATE`` takes the write lock up front; a second writer then
waits on the busy timeout and both succeed. Production clouds use MySQL or
PostgreSQL, where none of this applies; this file is test plumbing only.
"""

from sqlalchemy import event
from sqlalchemy import text
from sqlalchemy.engine import Engine


def _begin_immediate(conn):
    # SQLAlchemy calls class-level listeners before the engine's own, so
    # this runs before oslo.db's listener, which skips its BEGIN when it
    # finds the marker (the same key oslo.db uses and clears on commit and
    # rollback).
    if conn.engine.dialect.name != 'sqlite':
        return
    if 'in_transaction' not in conn.info:
        conn.execute(text('BEGIN IMMEDIATE'))
        conn.info['in_transaction'] = True


def install():
    if not event.contains(Engine, 'begin', _begin_immediate):
        event.listen(Engine, 'begin', _begin_immediate)
