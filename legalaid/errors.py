from django.core.exceptions import PermissionDenied, ValidationError


class ActionNotAllowed(Exception):
    """The action is not allowed in the application's current state (HTTP 409)."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


__all__ = ["ActionNotAllowed", "PermissionDenied", "ValidationError"]
