"""Thin Celery task over dashboard.figures."""

from celery import shared_task

from dashboard import figures


@shared_task(ignore_result=True)
def refresh_dashboard():
    figures.refresh_figures()
