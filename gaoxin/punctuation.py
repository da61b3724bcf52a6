"""`{% punct "：" %}`: Chinese punctuation between template values, written as the
Chinese page shows it and given its English form when the page is in English.

Whole sentences are translated as sentences; this is for the glue between a translated
label and a value from the data (`{% translate "类别" %}{% punct "：" %}{{ name }}`), which
has no sentence to translate. Built into every template (settings.TEMPLATES builtins)."""

from django import template
from django.utils.translation import get_language

register = template.Library()

WESTERN = {"（": " (", "）": ")", "：": ": ", "，": ", ", "、": ", ", "；": "; ", "。": ". "}


@register.simple_tag
def punct(mark):
    if mark not in WESTERN:
        raise template.TemplateSyntaxError(f"punct knows {''.join(WESTERN)}, not {mark!r}")
    return mark if (get_language() or "zh-hans").startswith("zh") else WESTERN[mark]


def parenthesized(text, note) -> str:
    """`text（note）` in Chinese, `text (note)` otherwise: for labels built in Python."""
    return f"{text}{punct('（')}{note}{punct('）')}"
