from django.core.exceptions import PermissionDenied, ValidationError

from gaoxin.workflow import ActionNotAllowed

__all__ = ["ActionNotAllowed", "PermissionDenied", "ValidationError"]
