"""Session fixtures: the test database gets the demo district (17 communities, 136
grids) once, so every test can place points in real grids.

Tests that need committed data (threads, a live server) use `committed_db`. Their
teardown flushes every table, so pytest-django runs them after all other tests and
`committed_db` puts the baseline (migration data and demo grids) back first."""

import importlib
import os
import uuid

import pytest
from django.apps import apps

# Data migrations whose rows every test relies on, restored after a flush.
BASELINE_MIGRATIONS = [
    ("accounts.migrations.0002_role_groups", "create_role_groups"),
    ("deadlines.migrations.0002_china_holidays_2026_2027", "load"),
    ("cases.migrations.0002_starter_reference_data", "load"),
    ("cases.migrations.0004_escalation_ladder", "load"),
    ("legalaid.migrations.0002_matter_types", "load"),
    ("patrols.migrations.0002_place_types", "load"),
]


def pytest_configure(config):
    from django.conf import settings

    # A test's uncommitted grids must not leave their fingerprint to the next test.
    settings.GRID_FINGERPRINT_SECONDS = 0
    # The default PBKDF2 hasher costs ~0.3 s a user; tests create hundreds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    # The tests' tasks go to a Redis database of their own, read lazily by Celery.
    settings.CELERY_BROKER_URL = os.environ.get("GAOXIN_TEST_BROKER_URL", "redis://127.0.0.1:6379/7")
    from gaoxin.celery import app

    # Tasks run inline in tests; the end-to-end timer test starts a real worker.
    app.conf.task_always_eager = True


def ensure_baseline():
    from grid.demo import load_demo_grids

    for module, function in BASELINE_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, None)
    load_demo_grids()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        ensure_baseline()


@pytest.fixture
def committed_db(transactional_db):
    ensure_baseline()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path_factory):
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _own_cache_keys(settings):
    """Cache keys of this test only: rate-limit counters and cached figures live in Redis,
    which outlives the test database and is shared by the parallel workers (all calling
    from 127.0.0.1, so one test's public requests would count against another's)."""
    settings.CACHES = {
        name: {**config, "KEY_PREFIX": f"{config.get('KEY_PREFIX', '')}-test-{uuid.uuid4().hex[:12]}"}
        for name, config in settings.CACHES.items()
    }


@pytest.fixture(autouse=True)
def _site_language():
    """Each test starts in the site's language: LocaleMiddleware activates a request's
    language in the thread and leaves it there, so an English request in one test would
    otherwise make the next test's management command speak English."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()
