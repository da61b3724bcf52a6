from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

register = template.Library()

# Below this a grid reads better in square metres than in hundredths of a square kilometre.
SQUARE_KILOMETRE_FROM_M2 = 100_000


@register.filter
def area(square_metres):
    """A grid's area for people: '0.72 平方公里' or '8,400 平方米'."""
    if square_metres >= SQUARE_KILOMETRE_FROM_M2:
        return _("%(value)s 平方公里") % {"value": number_format(square_metres / 1_000_000, 2)}
    return _("%(value)s 平方米") % {"value": number_format(round(square_metres), 0, force_grouping=True)}
