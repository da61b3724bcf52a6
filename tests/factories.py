"""Small builders shared by tests: users with roles, photos, cases through the services."""

import io
import itertools

from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import User
from grid.models import Grid, GridAssignment

_serial = itertools.count(1)


def make_user(role, username=None, **extra):
    user = User.objects.create_user(username or f"{role}_{next(_serial)}", password="pw-for-tests-1", **extra)
    user.groups.add(Group.objects.get(name=role))
    return user


def make_officer(grid, primary=True):
    officer = make_user("grid_officer")
    GridAssignment.objects.create(grid=grid, officer=officer, is_primary=primary and not grid.assignments.exists())
    return officer


def photo(name="photo.png", size=(8, 8), image_format="PNG"):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(buffer, format=image_format)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{image_format.lower()}")


def point_in(grid: Grid):
    centre = grid.boundary.point_on_surface
    return centre.x, centre.y
