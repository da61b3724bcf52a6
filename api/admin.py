from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from api.models import ApiKey, AuthToken, Scope, WebhookDelivery, WebhookEvent, WebhookSubscription


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("权限范围"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = ApiKey
        fields = ["name", "system", "scopes", "active"]


class WebhookSubscriptionForm(forms.ModelForm):
    url = forms.URLField(label=_("接收地址"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("事件"), choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookSubscription
        fields = ["url", "events", "all_cases", "secret", "active"]


class WebhookSubscriptionInline(admin.StackedInline):
    model = WebhookSubscription
    form = WebhookSubscriptionForm
    extra = 0


def _show_key_once(request, api_key, secret):
    messages.warning(
        request,
        _("“%(name)s”的 API 密钥（只显示这一次，请立即复制交给对方系统）：%(key)s")
        % {"name": api_key.name, "key": secret},
    )


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    form = ApiKeyForm
    list_display = ("name", "system", "prefix", "scopes", "active", "created_at", "last_used_at")
    list_filter = ("active",)
    search_fields = ("name", "system", "prefix")
    readonly_fields = ("prefix", "user", "created_at", "last_used_at")
    inlines = [WebhookSubscriptionInline]
    actions = ["regenerate", "revoke"]

    def get_readonly_fields(self, request, obj=None):
        # The system code names the source of its cases' external ids: fixed once in use.
        return (*self.readonly_fields, "system") if obj else self.readonly_fields

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        obj.add_service_account()
        secret = obj.set_secret()
        super().save_model(request, obj, form, change)
        _show_key_once(request, obj, secret)

    @admin.action(description=_("重新生成密钥（旧密钥立即失效）"))
    def regenerate(self, request, queryset):
        for api_key in queryset:
            secret = api_key.set_secret()
            api_key.save(update_fields=["prefix", "key_hash"])
            _show_key_once(request, api_key, secret)

    @admin.action(description=_("吊销（停用）"))
    def revoke(self, request, queryset):
        count = queryset.update(active=False)
        messages.success(request, _("已吊销 %(n)d 个密钥") % {"n": count})


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "case",
        "sequence",
        "event_type",
        "subscription",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "delivered_at",
    )
    list_filter = ("status", "event_type", "subscription")
    search_fields = ("case__number", "event_id")
    list_select_related = ("case", "subscription__api_key")
    actions = ["requeue"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("重新发送（已放弃的推送）"))
    def requeue(self, request, queryset):
        count = queryset.exclude(status=WebhookDelivery.Status.DELIVERED).update(
            status=WebhookDelivery.Status.PENDING, next_attempt_at=timezone.now(), claimed_until=None
        )
        messages.success(request, _("已重新排队 %(n)d 条，一分钟内发送") % {"n": count})


@admin.register(AuthToken)
class AuthTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "client", "created_at", "expires_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("user__username", "prefix", "client")
    list_select_related = ("user",)
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("注销所选令牌"))
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        messages.success(request, _("已注销 %(n)d 个令牌") % {"n": count})
