"""Chinese punctuation between template values reads as Chinese in Chinese and as English
in English."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template, TemplateSyntaxError
from django.utils import translation

from gaoxin.punctuation import parenthesized

SNIPPET = '{% translate "类别" %}{% punct "：" %}{{ name }}{% punct "（" %}{{ code }}{% punct "）" %}'


@pytest.mark.parametrize(
    ("language", "expected"),
    [("zh-hans", "类别：暴露垃圾（0101）"), ("en", "Category: 暴露垃圾 (0101)")],
)
def test_punctuation_follows_the_page_language(language, expected):
    with translation.override(language):
        rendered = Template("{% load i18n %}" + SNIPPET).render(Context({"name": "暴露垃圾", "code": "0101"}))
    assert rendered == expected


def test_an_unknown_mark_is_a_template_error():
    with pytest.raises(TemplateSyntaxError):
        Template('{% punct "!" %}').render(Context())


def test_every_template_keeps_chinese_punctuation_inside_translations_or_punct():
    """A bare （ or ： outside {% translate %} would stay Chinese on an English page."""
    token = re.compile(r"\{%\s*blocktranslate.*?\{%\s*endblocktranslate\s*%\}|\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}", re.S)
    bare = []
    for path in Path(settings.BASE_DIR).glob("**/templates/**/*.html"):
        if ".venv" in path.parts:
            continue
        text = token.sub("", path.read_text())
        bare += [f"{path.relative_to(settings.BASE_DIR)}: {mark}" for mark in re.findall("[（）：，；、。]", text)]
    assert bare == []


def test_labels_built_in_python_follow_the_language_too():
    with translation.override("zh-hans"):
        assert parenthesized("王律师", "唐家湾律师事务所") == "王律师（唐家湾律师事务所）"
    with translation.override("en"):
        assert parenthesized("王律师", "唐家湾律师事务所") == "王律师 (唐家湾律师事务所)"
