"""The grid map's fingerprint is kept per process (grid.selectors.grid_data_fingerprint); a
change to the rows behind it, saved through Django, forgets it once committed."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from grid.models import Community, Grid, GridAssignment
from grid.selectors import forget_grid_fingerprints


def _forget_after_commit(sender, raw=False, **kwargs):
    if not raw:
        transaction.on_commit(forget_grid_fingerprints)


for model in (Community, Grid, GridAssignment, get_user_model()):
    for name, signal in (("save", post_save), ("delete", post_delete)):
        receiver(signal, sender=model, dispatch_uid=f"grid.fingerprint.{model.__name__}.{name}")(_forget_after_commit)
