"""A cheap fingerprint of the whole database: per table, the row count and an MD5 of its rows.

Used by the access matrix (a denied POST changes nothing), the GET sweep (a GET changes nothing) and the
field-tampering tests. Every table of every installed model is included, so a table added tomorrow is covered
without touching the tests; only the few below are left out, each for a reason.
"""

from __future__ import annotations

from django.apps import apps
from django.db import connection

# Tables a request may write without changing anything a user can see, each with its reason.
EXCLUDED_TABLES: dict[str, str] = {
    # Signing in (force_login) and every request that touches the session write here: that is the session, not
    # the application's state.
    "django_session": "sessions are written by signing in and by messages, not by the views' effects",
    # The audit trail records denials, reads, downloads and exports by design (issue 13, point 5): a denied or read
    # request is expected to add a row. Its own tests count those rows.
    "consultations_auditevent": "audit rows are written on purpose for reads, downloads, exports and denials",
    # Per-user throttle / idempotency keys of the API are bookkeeping of the transport, not of the data.
    "consultations_apiidempotentrequest": "the API's idempotency bookkeeping, not reachable by the site's views",
}
# Derived caches a read may fill, each with its reason: left out of the GET sweep only (a denied POST fills none).
READ_CACHE_TABLES: dict[str, str] = {
    "consultations_similaritycount": "the queue's near-duplicate counts, memoised on read at the group's version "
    "(selectors.triage.near_duplicate_counts); stale rows are ignored by version, so filling it changes nothing seen",
}
# Columns left out of a table's fingerprint, each with its reason.
EXCLUDED_COLUMNS: dict[str, frozenset[str]] = {
    # Django sets it on every sign-in (force_login in the tests): not a state change made by the view.
    "consultations_user": frozenset({"last_login"}),
}

Snapshot = dict[str, tuple[int, str]]


def _tables() -> list[tuple[str, list[str], str]]:
    """(table, columns, primary key) of every managed model, many-to-many tables included."""
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        table = model._meta.db_table
        if table in EXCLUDED_TABLES or model._meta.proxy or not model._meta.managed:
            continue
        excluded = EXCLUDED_COLUMNS.get(table, frozenset())
        columns = [f.column for f in model._meta.concrete_fields if f.column not in excluded]
        tables[table] = (table, columns, model._meta.pk.column)
    return [tables[name] for name in sorted(tables)]


def db_snapshot() -> Snapshot:
    """{table: (row count, md5 of its rows in primary-key order)} in one query."""
    quote = connection.ops.quote_name
    parts = []
    for table, columns, pk in _tables():
        row = "ROW(" + ", ".join(quote(c) for c in columns) + ")::text"
        # Names from the models' metadata, quoted: no user input reaches this SQL.
        select = f"SELECT '{table}', count(*), coalesce(md5(string_agg({row}, '|' ORDER BY {quote(pk)})), '') "
        parts.append(select + f"FROM {quote(table)}")  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts))
        return {table: (count, digest) for table, count, digest in cursor.fetchall()}


def db_changes(
    before: Snapshot, after: Snapshot, *, ignore: frozenset[str] | set[str] = frozenset()
) -> dict[str, tuple[int, int]]:
    """The tables whose fingerprint changed (but ``ignore``), with their row counts before and after."""
    return {
        table: (before[table][0], after[table][0])
        for table in before
        if table not in ignore and before[table] != after.get(table)
    }
