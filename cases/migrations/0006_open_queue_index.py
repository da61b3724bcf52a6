# The work queues' index: (state, due_at, reported_at) over open cases only, covering the
# columns the queues filter on (grid, unit) and the id, so a queue page is found, ordered
# and paged without reading the table. It replaces case_state_due (same leading columns;
# every query using that one is on open states). Built and dropped concurrently: the
# case table stays writable while a million-row index is built.

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('cases', '0005_event_action_index'),
    ]

    operations = [
        AddIndexConcurrently(
            model_name='case',
            index=models.Index(
                condition=models.Q(
                    ('state__in', ['dispatched', 'handling', 'held', 'to_check', 'to_close', 'to_dispatch', 'to_file', 'to_verify'])
                ),
                fields=['state', 'due_at', 'reported_at'],
                include=('id', 'grid', 'unit'),
                name='case_open_queue',
            ),
        ),
        RemoveIndexConcurrently(
            model_name='case',
            name='case_state_due',
        ),
    ]
