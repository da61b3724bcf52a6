from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from accounts.models import User


class ResidentSignupForm(UserCreationForm):
    """Public sign-up: only resident accounts; staff roles are granted by administrators."""

    phone = forms.RegexField(
        label=_("手机号"),
        regex=r"^1\d{10}$",
        error_messages={"invalid": _("请输入11位手机号")},
    )

    class Meta:
        model = User
        fields = ("username", "phone")
