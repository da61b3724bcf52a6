from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import User

_credentials, (_personal_title, _personal_options), *_other_fieldsets = DjangoUserAdmin.fieldsets
((_add_title, _add_options),) = DjangoUserAdmin.add_fieldsets


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin, with the phone number beside the other personal details."""

    fieldsets = (
        _credentials,
        (_personal_title, {**_personal_options, "fields": (*_personal_options["fields"], "phone")}),
        *_other_fieldsets,
    )
    add_fieldsets = ((_add_title, {**_add_options, "fields": (*_add_options["fields"], "phone")}),)
    list_display = ["username", "first_name", "last_name", "phone", "email", "is_staff", "is_active"]
    search_fields = ["username", "first_name", "last_name", "email", "phone"]
