from django import template
from django.utils.formats import number_format

register = template.Library()

NO_FIGURE = "—"


@register.filter
def percent(rate):
    """0.8532 -> 85.3%; no figure (the denominator was 0) -> a dash."""
    return NO_FIGURE if rate is None else f"{number_format(rate * 100, 1)}%"


@register.filter
def figure(value, decimals=1):
    return NO_FIGURE if value is None else number_format(value, decimals)
