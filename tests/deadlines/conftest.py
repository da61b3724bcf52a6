# The case fixtures serve the deadline engine tests too.
from tests.cases.conftest import resident_case, world  # noqa: F401
