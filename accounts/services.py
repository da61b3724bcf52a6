from django.contrib.auth.models import Group
from django.db import transaction

from accounts.roles import Role


@transaction.atomic
def register_resident(form):
    """Create a resident from a validated sign-up form. Never staff, never another role."""
    user = form.save(commit=False)
    user.is_staff = False
    user.is_superuser = False
    user.save()
    user.groups.set([Group.objects.get(name=Role.RESIDENT)])
    return user
