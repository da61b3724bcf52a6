"""Which grids a user works in. Case-level scopes build on this in cases.selectors."""

from grid.models import GridAssignment


def officer_grid_ids(user):
    """A subquery of the ids of the grids assigned to this officer."""
    return GridAssignment.objects.filter(officer_id=user.pk).values("grid_id")


def officer_works_in(user, grid_id) -> bool:
    return GridAssignment.objects.filter(officer_id=user.pk, grid_id=grid_id).exists()
