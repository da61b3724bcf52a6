from django.db import migrations

# level: 1 warning, 2 overdue, 3 escalated (deadlines.Deadline.Level)
LADDER = [
    (1, {"notify_stage_owners": True, "notify_unit_head": True, "notify_roles": ""}),
    (2, {"notify_stage_owners": True, "notify_unit_head": True, "notify_roles": "dispatcher"}),
    (
        3,
        {
            "notify_stage_owners": True,
            "notify_unit_head": True,
            "notify_roles": "dispatcher,supervisor",
            "after_hours": 4,
        },
    ),
]


def load(apps, schema_editor):
    EscalationStep = apps.get_model("cases", "EscalationStep")
    for level, values in LADDER:
        EscalationStep.objects.get_or_create(level=level, defaults=values)


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_escalationstep")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
