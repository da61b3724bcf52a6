"""The demo's external system: the 12345 hotline platform, which files cases through the
REST API or Open311 and reads back the ones it filed. Its key is fixed and listed in the
README so the demo can be tried at once; that is for demo data only: real keys are
generated in the admin, shown once, and stored hashed."""

from django.db import transaction

from api.models import ApiKey, Scope

DEMO_SYSTEM = "hotline12345"
DEMO_API_KEY = "gaoxin-demo-hotline-key-2026"


@transaction.atomic
def load_demo_external_system() -> str:
    """Create the demo hotline's key if missing (and put its fixed secret back); returns
    a line for the console."""
    api_key = ApiKey.objects.filter(system=DEMO_SYSTEM).first()
    if api_key is None:
        api_key, _secret = ApiKey.create(
            name="12345 政务服务便民热线",
            system=DEMO_SYSTEM,
            scopes=[Scope.CASES_CREATE, Scope.CASES_READ],
            secret=DEMO_API_KEY,
        )
    else:
        api_key.set_secret(DEMO_API_KEY)
        api_key.save(update_fields=["prefix", "key_hash"])
    return f"{api_key.name} (X-Api-Key: {DEMO_API_KEY})"
