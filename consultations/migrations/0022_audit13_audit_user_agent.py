from django.db import migrations, models

# Row triggers (migration 0002) do not fire on TRUNCATE: a statement trigger refuses it too.
NO_TRUNCATE = """
CREATE TRIGGER consultations_auditevent_no_truncate
    BEFORE TRUNCATE ON consultations_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION consultations_audit_append_only();
"""

DROP = "DROP TRIGGER IF EXISTS consultations_auditevent_no_truncate ON consultations_auditevent;"


class Migration(migrations.Migration):
    dependencies = [("consultations", "0021_session3_notification_kinds")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="user_agent",
            field=models.CharField(blank=True, default="", max_length=400, verbose_name="user agent"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="target_id",
            field=models.BigIntegerField(blank=True, null=True, verbose_name="object id"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["actor", "action", "created_at"], name="audit_actor_action_idx"),
        ),
        migrations.RunSQL(NO_TRUNCATE, DROP),
    ]
