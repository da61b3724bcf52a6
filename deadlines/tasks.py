"""Thin Celery tasks over deadlines.services; the database is the truth."""

from celery import shared_task

from deadlines import services


@shared_task(ignore_result=True)
def sweep_deadlines():
    return services.sweep()


@shared_task(ignore_result=True)
def fire_deadline(deadline_id):
    return services.fire(deadline_id)
