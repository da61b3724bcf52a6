"""Starter place types and their inspection checklists (local: admins edit them)."""

from django.db import migrations


def _items(*pairs):
    return [{"key": key, "label": label} for key, label in pairs]


FIRE = ("fire_equipment", "灭火器等消防器材配置有效")
EXITS = ("exits", "安全出口、疏散通道畅通")
WIRING = ("wiring", "电气线路规范，无私拉乱接")
LICENCE = ("licence", "证照齐全、亮照经营")

# code, name, English name, rectification days, checklist
PLACE_TYPES = [
    (
        "shop",
        "商铺门店",
        "Shop",
        7,
        _items(FIRE, EXITS, WIRING, LICENCE, ("outside_business", "无店外经营、占道经营")),
    ),
    (
        "small_venue",
        "三小场所",
        "Small venue (shop, workshop, eatery)",
        3,
        _items(
            FIRE,
            EXITS,
            WIRING,
            ("gas", "燃气使用规范（报警器、金属软管）"),
            ("three_in_one", "无“三合一”住人现象"),
            LICENCE,
        ),
    ),
    (
        "construction_site",
        "建筑工地",
        "Construction site",
        3,
        _items(
            ("enclosure", "围挡完整"),
            ("dust", "扬尘防治到位（覆盖、冲洗）"),
            ("work_at_height", "高处作业防护到位"),
            ("lifting", "起重机械持证合规"),
            ("night_work", "无违规夜间施工"),
        ),
    ),
    (
        "school",
        "学校",
        "School",
        3,
        _items(
            ("gate", "校门安保、护学岗到位"),
            FIRE,
            ("surroundings", "周边无违规经营摊点"),
            ("traffic", "上下学交通秩序良好"),
        ),
    ),
    (
        "key_location",
        "重点场所",
        "Key location",
        1,
        _items(
            ("duty_record", "值守巡查记录完整"),
            FIRE,
            ("dangerous_goods", "危险品存放规范"),
            ("warning_signs", "警示标识齐全"),
        ),
    ),
]


def load(apps, schema_editor):
    PlaceType = apps.get_model("patrols", "PlaceType")
    Category = apps.get_model("cases", "Category")
    other = Category.objects.filter(kind="event", major_code="99", minor_code="01").first()
    for code, name, name_en, days, checklist in PLACE_TYPES:
        PlaceType.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "rectify_days": days,
                "checklist": checklist,
                "case_category": other,
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("patrols", "0001_initial"),
        ("cases", "0002_starter_reference_data"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
