from tests.cases.conftest import world  # noqa: F401  (the shared fixture)
from tests.mediation.conftest import mworld  # noqa: F401  (mediation on the dashboard)
