"""The dashboard's figures from the cache, so that looking at it costs the database
nothing in the steady state.

The aggregates over a million cases take seconds together, more than a page may take.
They are kept in Redis with the time they were computed; a page that finds them older
than DASHBOARD_CACHE_SECONDS shows them all the same (the page says when they are from)
and has a Celery task compute fresh ones, one task at a time however many screens look.
Only a page that finds none (the first after a deploy, or after nobody looked for
KEEP_FACTOR intervals) computes them itself. A viewer's queue counts are cheap (index-only
counts) and cached per set of roles for one interval: command-centre roles see the whole
district, so the counts depend on the roles alone."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from cases.selectors import queue_counts
from dashboard import selectors

logger = logging.getLogger(__name__)

# Figures older than this many intervals are not shown: computed afresh instead.
KEEP_FACTOR = 5


def cache_key(*parts) -> str:
    # One database's figures: test runs and staging may share the Redis.
    return ":".join(["dashboard", connection.settings_dict["NAME"], *map(str, parts)])


def refresh_figures() -> dict:
    figures = selectors.all_figures(timezone.now())
    seconds = settings.DASHBOARD_CACHE_SECONDS
    if seconds > 0:
        cache.set(cache_key("figures"), figures, int(seconds * KEEP_FACTOR))
    cache.delete(cache_key("refreshing"))
    return figures


def current_figures() -> dict:
    return figures_and_queues(None)[0]


def figures_and_queues(user) -> tuple[dict, list[dict]]:
    """The figures, and the user's queue counts (none without a user), in one round trip
    to the cache when both are there."""
    seconds = settings.DASHBOARD_CACHE_SECONDS
    if seconds <= 0:
        return refresh_figures(), queue_counts(user) if user else []
    figures_key = cache_key("figures")
    queues_key = cache_key("queues", *sorted(user.roles)) if user else None
    found = cache.get_many([key for key in (figures_key, queues_key) if key])
    figures = found.get(figures_key)
    if figures is None:
        figures = refresh_figures()
    elif timezone.now() - figures["computed_at"] > timedelta(seconds=seconds):
        _refresh_in_the_background(seconds)
    if user is None:
        return figures, []
    queues = found.get(queues_key)
    if queues is None:
        # Counted from the state index alone (index-only scans): cheap, so done here.
        queues = queue_counts(user)
        cache.set(queues_key, queues, int(seconds))
    return figures, queues


def _refresh_in_the_background(seconds):
    if not cache.add(cache_key("refreshing"), 1, int(max(seconds, 1))):
        return  # another page already asked for fresh figures
    from dashboard.tasks import refresh_dashboard

    try:
        refresh_dashboard.apply_async(retry=False)
    except Exception:  # broker down: these figures stay on screen, with their time
        logger.warning("could not queue the dashboard refresh; showing figures from the cache")
