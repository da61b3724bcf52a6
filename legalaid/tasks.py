from celery import shared_task

from legalaid.advisers import flag_roster_gaps as _flag_roster_gaps


@shared_task(ignore_result=True)
def flag_roster_gaps():
    """Tell coordinators of coming days with no adviser on duty in a community (idempotent)."""
    return _flag_roster_gaps()
