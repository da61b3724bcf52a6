"""What the apps with a workflow table of their own (mediation, legal aid) share: the
per-day counter behind their subjects' numbers, the error of an action their subject's
state does not allow, and the immutable timeline event their services write with every
change. Abstract models need no installed app of their own."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.utils.translation import gettext_lazy as _


class DaySequence(models.Model):
    """A per-day counter behind the numbers of one kind of record."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.day}: {self.last}"

    @classmethod
    def next_number(cls, day) -> int:
        """The day's next number: one atomic upsert, so numbers stay unique under concurrency."""
        table = cls._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (day, last) VALUES (%s, 1) "
                f"ON CONFLICT (day) DO UPDATE SET last = {table}.last + 1 RETURNING last",
                [day],
            )
            return cursor.fetchone()[0]


class ActionNotAllowed(Exception):
    """The action is not allowed in its subject's current state (HTTP 409)."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class WorkflowEvent(models.Model):
    """One immutable line of a subject's timeline, written with the change it records.

    A concrete event adds the foreign key to its subject (named by `subject_field`), the
    from/to states with its workflow's choices, and the messages refusing an edit or a
    deletion in its own words."""

    subject_field: str
    edit_refused: str
    delete_refused: str

    action = models.CharField(_("动作"), max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_role = models.CharField(_("角色"), max_length=30, blank=True)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(self.edit_refused)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(self.delete_refused)

    @classmethod
    def record(cls, subject, action, actor, role, from_state, to_state, now, *, note="", data=None):
        return cls.objects.create(
            **{cls.subject_field: subject},
            action=action,
            actor=actor,
            actor_role=role,
            from_state=from_state,
            to_state=to_state,
            note=note,
            data=data or {},
            created_at=now,
        )
