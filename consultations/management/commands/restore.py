"""``manage.py restore --from DIR``: a backup of ``manage.py backup`` into an empty database and an empty storage
folder (the configured ones unless --database-url / --media-root say otherwise), checked against its manifest."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from usmca import backup


class Command(BaseCommand):
    help = "Restore a backup into an empty database and an empty storage folder, then check it against its manifest."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="source", required=True, type=Path, help="the backup's folder")
        parser.add_argument("--database-url", help="an empty database (default: the configured one)")
        parser.add_argument("--media-root", type=Path, help="an empty folder (default: the configured storage)")

    def handle(self, *args, **options) -> None:
        target = (
            backup.Target.from_url(options["database_url"])
            if options["database_url"]
            else backup.Target.from_settings(settings.DATABASES["default"])
        )
        media_root = options["media_root"] or Path(settings.MEDIA_ROOT)
        try:
            manifest = backup.restore(source=options["source"], target=target, media_root=media_root)
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Restored {sum(manifest['tables'].values())} rows in {len(manifest['tables'])} tables into "
            f"{target.dbname} and {len(manifest['files'])} files into {media_root}; row counts and SHA-256 checked."
        )
