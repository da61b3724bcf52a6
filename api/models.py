"""Credentials of API clients and the outbound webhook queue.

Secrets (login tokens, API keys) are random strings of 256 bits, so a plain SHA-256 of
each is enough to store: a slow password hash defends guessable secrets, not these, and
it would cost every API request. Only the hash and a short prefix (to tell keys apart in
the admin) are kept; the secret itself is shown once."""

import hashlib
import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.gis.db import models as gis_models
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case, CaseEvent, CasePhoto

PREFIX_LENGTH = 8


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class AuthToken(models.Model):
    """A login token of an app user: expires, and is revoked by logging out."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("用户")
    )
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(_("前缀"), max_length=PREFIX_LENGTH)
    client = models.CharField(_("客户端"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("过期时间"))
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("注销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("登录令牌")
        verbose_name_plural = _("登录令牌")

    def __str__(self):
        return f"{self.prefix}… ({self.user})"

    @classmethod
    def issue(cls, user, *, client="") -> tuple["AuthToken", str]:
        """A new token for `user`; returns the row and the secret, which is not stored."""
        secret = new_secret()
        now = timezone.now()
        token = cls.objects.create(
            user=user,
            key_hash=hash_secret(secret),
            prefix=secret[:PREFIX_LENGTH],
            client=client[:200],
            created_at=now,
            expires_at=now + timedelta(hours=settings.API_TOKEN_LIFETIME_HOURS),
        )
        return token, secret

    def is_usable(self, now=None) -> bool:
        return self.revoked_at is None and (now or timezone.now()) < self.expires_at


class Scope(models.TextChoices):
    """What an external system's API key may do."""

    CASES_CREATE = "cases:create", _("上报案件（REST 与 Open311）")
    CASES_READ = "cases:read", _("查询本系统上报的案件")


class ApiKey(models.Model):
    """The key of one external system (another platform, a hotline). Each key acts
    through its own service account, so every case it files and every event names it."""

    name = models.CharField(_("外部系统名称"), max_length=100)
    system = models.SlugField(
        _("系统代码"),
        max_length=50,
        unique=True,
        help_text=_("写入案件的“外部系统”字段；同一系统的外部编号不重复，重复提交返回原案件"),
    )
    prefix = models.CharField(_("密钥前缀"), max_length=PREFIX_LENGTH, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(_("权限范围"), default=list, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_key",
        editable=False,
        verbose_name=_("服务账号"),
    )
    active = models.BooleanField(_("启用"), default=True, help_text=_("停用即吊销：该密钥的请求一律拒绝"))
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("外部系统密钥")
        verbose_name_plural = _("外部系统密钥")

    def __str__(self):
        return self.name

    def clean(self):
        unknown = set(self.scopes or []) - set(Scope.values)
        if unknown:
            raise ValidationError({"scopes": _("未知的权限范围：%(scopes)s") % {"scopes": ", ".join(sorted(unknown))}})

    @classmethod
    def create(cls, *, name, system, scopes, secret=None) -> tuple["ApiKey", str]:
        """A new key with its service account; returns it and its secret (shown once)."""
        api_key = cls(name=name, system=system, scopes=list(scopes))
        api_key.add_service_account()
        secret = api_key.set_secret(secret)
        api_key.save()
        return api_key, secret

    def add_service_account(self):
        """The account the system acts as: no password, no role, named after it."""
        from django.contrib.auth import get_user_model

        self.user = get_user_model().objects.create_user(
            username=f"system-{self.system}", first_name=self.name[:150], password=None
        )

    def set_secret(self, secret: str | None = None) -> str:
        """Replace the key (the old one stops working on save); returns the new secret."""
        secret = secret or new_secret()
        self.prefix = secret[:PREFIX_LENGTH]
        self.key_hash = hash_secret(secret)
        return secret

    def allows(self, scope: str) -> bool:
        return self.active and scope in self.scopes


class WebhookEvent(models.TextChoices):
    CASE_CREATED = "case.created", _("案件受理")
    CASE_STATUS_CHANGED = "case.status_changed", _("案件状态变化")


def _all_events():
    return list(WebhookEvent.values)


def _new_webhook_secret():
    return secrets.token_hex(32)


class WebhookSubscription(models.Model):
    """An external system's URL that is told about case events, signed with `secret`."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="webhooks", verbose_name=_("外部系统"))
    url = models.URLField(_("接收地址"), max_length=500)
    secret = models.CharField(
        _("签名密钥"), max_length=64, default=_new_webhook_secret, help_text=_("HMAC-SHA256 签名用，需告知对方系统")
    )
    events = models.JSONField(_("事件"), default=_all_events)
    all_cases = models.BooleanField(_("全部案件"), default=False, help_text=_("不勾选时只推送该系统自己上报的案件"))
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("事件推送订阅")
        verbose_name_plural = _("事件推送订阅")

    def __str__(self):
        return f"{self.api_key} → {self.url}"

    def clean(self):
        unknown = set(self.events or []) - set(WebhookEvent.values)
        if unknown:
            raise ValidationError({"events": _("未知的事件：%(events)s") % {"events": ", ".join(sorted(unknown))}})


class WebhookDelivery(models.Model):
    """One event to deliver to one subscription. Rows of one (subscription, case) pair are
    sent strictly in `sequence` order: a row waits while an earlier one is undelivered."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        DELIVERED = "delivered", _("已送达")
        ABANDONED = "abandoned", _("已放弃")

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("订阅")
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+", verbose_name=_("案件"))
    case_event = models.ForeignKey(CaseEvent, on_delete=models.CASCADE, related_name="+")
    event_id = models.UUIDField(_("事件编号"), default=uuid.uuid4, unique=True)
    event_type = models.CharField(_("事件"), max_length=40, choices=WebhookEvent.choices)
    sequence = models.PositiveIntegerField(_("序号"))
    payload = models.JSONField()
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), default=timezone.now)
    # A worker sending this row holds it until then; an expired claim is free to take.
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("最近尝试"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("最近响应码"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        ordering = ["subscription", "case", "sequence"]
        verbose_name = _("事件推送记录")
        verbose_name_plural = _("事件推送记录")
        constraints = [
            models.UniqueConstraint(fields=["subscription", "case", "sequence"], name="webhook_delivery_sequence"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="webhook_delivery_due"),
        ]

    def __str__(self):
        return f"{self.event_type} #{self.sequence} → {self.subscription}"


class PhotoLocation(models.Model):
    """Where a photo uploaded through the API was taken, read from its EXIF GPS tags
    before they were stripped from the stored copy. Shown to staff only."""

    photo = models.OneToOneField(CasePhoto, on_delete=models.CASCADE, related_name="taken_at")
    location = gis_models.PointField(_("拍摄位置"), srid=4326)

    class Meta:
        verbose_name = _("照片拍摄位置")
        verbose_name_plural = _("照片拍摄位置")

    def __str__(self):
        return f"{self.location.y:.6f}, {self.location.x:.6f}"
