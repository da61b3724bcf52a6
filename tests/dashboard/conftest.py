import uuid

import pytest

from tests.cases.conftest import world  # noqa: F401  (the shared fixture)
from tests.mediation.conftest import mworld  # noqa: F401  (mediation on the dashboard)


@pytest.fixture(autouse=True)
def _own_cache_keys(settings):
    """Cached figures of this test only: Redis outlives the test database."""
    settings.CACHES = {
        name: {**config, "KEY_PREFIX": f"{config.get('KEY_PREFIX', '')}-test-{uuid.uuid4().hex[:12]}"}
        for name, config in settings.CACHES.items()
    }
