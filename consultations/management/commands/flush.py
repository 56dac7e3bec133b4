"""Django's ``flush``, able to empty the append-only audit table.

The audit triggers refuse TRUNCATE; a superuser session with ``session_replication_role = replica`` does not fire
them. The test suite's transactional tests flush between tests as the database superuser; an application role that
is not a superuser cannot set it, so for that role the audit log stays append-only.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush
from django.db import connections


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            superuser = cursor.fetchone()[0]
            if superuser:
                cursor.execute("SET session_replication_role = replica")
        try:
            super().handle(**options)
        finally:
            if superuser:
                with connection.cursor() as cursor:
                    cursor.execute("SET session_replication_role = DEFAULT")
