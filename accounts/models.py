from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role


class User(AbstractUser):
    phone = models.CharField(_("手机号"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    @cached_property
    def roles(self) -> frozenset[str]:
        """Role codes of this user; superusers hold the administrator role implicitly."""
        names = set(self.groups.values_list("name", flat=True))
        if self.is_superuser:
            names.add(Role.ADMINISTRATOR)
        return frozenset(name for name in names if name in Role.values)

    def has_role(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username
