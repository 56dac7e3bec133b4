from django.db import migrations, models

KINDS = [
    ("response", "An official response on a position of yours"),
    ("status", "A status change on a position of yours"),
    ("cosign", "An invitation to co-sign a position"),
    ("briefing", "A new briefing in a chapter you follow"),
    ("question", "A new room question in a chapter you follow"),
    ("deadline", "A room question's deadline approaching"),
    ("signoff", "A draft or an amendment awaiting your sign-off"),
]


class Migration(migrations.Migration):
    dependencies = [("consultations", "0014_delivery_guarantees")]

    operations = [
        migrations.AlterField(
            model_name="notification",
            name="kind",
            field=models.CharField(choices=KINDS, max_length=20, verbose_name="kind"),
        ),
        migrations.AlterField(
            model_name="notificationpreference",
            name="kind",
            field=models.CharField(choices=KINDS, max_length=20, verbose_name="kind"),
        ),
    ]
