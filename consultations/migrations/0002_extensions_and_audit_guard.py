from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION consultations_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER consultations_auditevent_append_only
    BEFORE UPDATE OR DELETE ON consultations_auditevent
    FOR EACH ROW EXECUTE FUNCTION consultations_audit_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS consultations_auditevent_append_only ON consultations_auditevent;
DROP FUNCTION IF EXISTS consultations_audit_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("consultations", "0001_initial")]

    operations = [
        TrigramExtension(),
        UnaccentExtension(),
        migrations.RunSQL(APPEND_ONLY, DROP),
    ]
