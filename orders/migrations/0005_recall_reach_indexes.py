# Covering indexes for a recall's reach (traceability.recall.reach): from each packed lot to
# its line, sub-order and order by key, reading the indexes only.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0004_suborder_period_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["id"], include=("email",), name="order_id_email"),
        ),
        migrations.AddIndex(
            model_name="orderline",
            index=models.Index(fields=["id"], include=("suborder",), name="orderline_id_suborder"),
        ),
        migrations.AddIndex(
            model_name="suborder",
            index=models.Index(
                fields=["id"], include=("order", "status", "cooperative"), name="suborder_id_reach"
            ),
        ),
    ]
