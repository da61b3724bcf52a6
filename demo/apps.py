from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for `make demo`. The top layer: it may import every other app."""

    name = "demo"
    verbose_name = "Demo data"
