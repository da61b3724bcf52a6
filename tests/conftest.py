"""Session fixtures: the test database gets the demo district (17 communities, 136
grids) once, so every test can place points in real grids."""

import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from grid.demo import load_demo_grids

    with django_db_blocker.unblock():
        load_demo_grids()
