"""``manage.py backup --to DIR``: the database (pg_dump, custom format) and the private file storage, with a manifest
of row counts and SHA-256 sums. See usmca/backup.py and the README's "Backups" section."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from usmca import backup


class Command(BaseCommand):
    help = "Back up the database and the attachment storage into a new folder, with a manifest."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--to", required=True, type=Path, help="a new (or empty) folder")

    def handle(self, *args, **options) -> None:
        try:
            manifest = backup.backup(
                target=backup.Target.from_settings(settings.DATABASES["default"]),
                media_root=Path(settings.MEDIA_ROOT),
                to=options["to"],
            )
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Backed up {manifest['database']} ({len(manifest['tables'])} tables, "
            f"{sum(manifest['tables'].values())} rows) and {len(manifest['files'])} files into {options['to']}"
        )
