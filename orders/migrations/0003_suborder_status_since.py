import django.utils.timezone
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def since_last_move(apps, schema_editor):
    """Existing sub-orders: since their last audited move into their status (else placed)."""
    SubOrder = apps.get_model("orders", "SubOrder")
    StatusChange = apps.get_model("orders", "StatusChange")
    last = (
        StatusChange.objects.filter(suborder=OuterRef("pk"), to_status=OuterRef("status"))
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    SubOrder.objects.update(status_since=Subquery(last))
    SubOrder.objects.filter(status_since__isnull=True).update(status_since=models.F("created_at"))


class Migration(migrations.Migration):
    dependencies = [("orders", "0002_webhookevent_handled")]

    operations = [
        migrations.AddField(
            model_name="suborder",
            name="status_since",
            field=models.DateTimeField(null=True, verbose_name="in this status since"),
        ),
        migrations.RunPython(since_last_move, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="suborder",
            name="status_since",
            field=models.DateTimeField(
                default=django.utils.timezone.now, verbose_name="in this status since"
            ),
        ),
    ]
