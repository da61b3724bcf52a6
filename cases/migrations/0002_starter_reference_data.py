"""Starter reference data: categories with time limits, district units and routing.

Figures are local (domain notes): admins edit them afterwards. Limits are hours; a
working day counts 7 working hours (08:30-12:00, 14:00-17:30)."""

from django.db import migrations

# Stage limits (hours) other than handling: verify, file, dispatch, check, close.
WORKING_STAGES = (2, 0.5, 0.5, 2, 1)
EMERGENCY_STAGES = (0.5, 0.25, 0.25, 1, 1)

# kind, major code, major name, minor code, name, English name, handle hours, basis, priority, officer may resolve
CATEGORIES = [
    ("event", "01", "市容环境", "01", "私搭乱建", "Illegal structure", 140, "working", 3, False),
    ("event", "01", "市容环境", "02", "暴露垃圾", "Exposed garbage", 4, "working", 3, True),
    ("event", "01", "市容环境", "03", "积存垃圾渣土", "Accumulated garbage and muck", 8, "working", 3, False),
    ("event", "01", "市容环境", "04", "道路不洁", "Dirty road", 2, "working", 3, True),
    ("event", "01", "市容环境", "05", "水域不洁", "Polluted waterway", 8, "working", 3, False),
    ("event", "01", "市容环境", "06", "焚烧垃圾", "Burning rubbish", 2, "working", 2, False),
    ("event", "02", "宣传广告", "01", "违规张贴小广告", "Illegal flyers", 8, "working", 3, True),
    ("event", "02", "宣传广告", "02", "非法户外广告", "Illegal outdoor advertising", 35, "working", 3, False),
    ("event", "02", "宣传广告", "03", "占道广告牌", "Advertising board on the road", 8, "working", 3, True),
    ("event", "03", "施工管理", "01", "无证施工", "Unlicensed construction", 21, "working", 2, False),
    ("event", "03", "施工管理", "02", "施工扰民", "Construction noise", 4, "working", 2, False),
    ("event", "03", "施工管理", "03", "施工占道", "Construction blocking the road", 8, "working", 3, False),
    ("event", "03", "施工管理", "04", "工地扬尘", "Construction dust", 4, "working", 3, False),
    ("event", "04", "突发事件", "01", "路面塌陷", "Road collapse", 2, "calendar", 1, False),
    ("event", "04", "突发事件", "02", "自来水管破裂", "Burst water main", 2, "calendar", 1, False),
    ("event", "04", "突发事件", "03", "燃气泄漏", "Gas leak", 1, "calendar", 1, False),
    ("event", "04", "突发事件", "04", "下水道堵塞或破损", "Blocked or broken sewer", 6, "calendar", 1, False),
    ("event", "04", "突发事件", "05", "道路积水", "Flooded road", 4, "calendar", 1, False),
    ("event", "05", "街面秩序", "01", "无照经营游商", "Unlicensed street vendor", 2, "working", 3, False),
    ("event", "05", "街面秩序", "02", "店外经营", "Business spilling onto the pavement", 2, "working", 3, True),
    ("event", "05", "街面秩序", "03", "占道废品收购", "Scrap collection on the road", 4, "working", 3, False),
    ("event", "05", "街面秩序", "04", "非机动车乱停放", "Badly parked bicycles", 2, "working", 3, True),
    ("event", "05", "街面秩序", "05", "机动车乱停放", "Illegal parking", 2, "working", 3, False),
    ("event", "99", "其他", "01", "其他事件", "Other event", 8, "working", 3, False),
    ("component", "01", "公用设施", "01", "上水井盖", "Water supply manhole cover", 6, "calendar", 1, False),
    ("component", "01", "公用设施", "02", "污水井盖", "Sewage manhole cover", 6, "calendar", 1, False),
    ("component", "01", "公用设施", "03", "雨水井盖", "Storm drain cover", 6, "calendar", 1, False),
    ("component", "01", "公用设施", "04", "电力井盖", "Power manhole cover", 6, "calendar", 1, False),
    ("component", "01", "公用设施", "05", "消防栓", "Fire hydrant", 8, "working", 2, False),
    ("component", "02", "道路交通", "01", "路灯", "Street light", 14, "working", 3, False),
    ("component", "02", "道路交通", "02", "交通标志牌", "Traffic sign", 14, "working", 3, False),
    ("component", "02", "道路交通", "03", "道路护栏", "Road guardrail", 14, "working", 3, False),
    ("component", "03", "市容环境", "01", "垃圾箱", "Litter bin", 8, "working", 3, True),
    ("component", "03", "市容环境", "02", "公共厕所", "Public toilet", 8, "working", 3, False),
    ("component", "04", "园林绿化", "01", "行道树", "Street tree", 14, "working", 3, False),
    ("component", "04", "园林绿化", "02", "绿地", "Green space", 14, "working", 3, False),
    ("component", "05", "房屋土地", "01", "危房", "Dangerous building", 21, "working", 2, False),
    ("component", "06", "其他设施", "01", "其他设施", "Other facility", 14, "working", 3, False),
]

UNITS = [
    ("城市管理和综合执法局", "Urban Management and Law Enforcement Bureau"),
    ("环境卫生管理所", "Sanitation Office"),
    ("住房和城乡建设局", "Housing and Construction Bureau"),
    ("市政设施管理所", "Municipal Facilities Office"),
    ("水务局", "Water Affairs Bureau"),
    ("园林绿化中心", "Parks and Greening Centre"),
    ("公安交警大队", "Traffic Police Brigade"),
    ("生态环境分局", "Ecology and Environment Branch"),
    ("燃气公司", "Gas Company"),
]

# (kind, category code) -> unit name; the rest go to urban management.
ROUTES = {
    ("event", "0102"): "环境卫生管理所",
    ("event", "0103"): "环境卫生管理所",
    ("event", "0104"): "环境卫生管理所",
    ("event", "0105"): "水务局",
    ("event", "0106"): "生态环境分局",
    ("event", "0301"): "住房和城乡建设局",
    ("event", "0302"): "住房和城乡建设局",
    ("event", "0303"): "住房和城乡建设局",
    ("event", "0304"): "生态环境分局",
    ("event", "0401"): "市政设施管理所",
    ("event", "0402"): "水务局",
    ("event", "0403"): "燃气公司",
    ("event", "0404"): "水务局",
    ("event", "0405"): "水务局",
    ("event", "0505"): "公安交警大队",
    ("component", "0101"): "水务局",
    ("component", "0102"): "水务局",
    ("component", "0103"): "水务局",
    ("component", "0104"): "市政设施管理所",
    ("component", "0105"): "水务局",
    ("component", "0201"): "市政设施管理所",
    ("component", "0202"): "公安交警大队",
    ("component", "0203"): "市政设施管理所",
    ("component", "0301"): "环境卫生管理所",
    ("component", "0302"): "环境卫生管理所",
    ("component", "0401"): "园林绿化中心",
    ("component", "0402"): "园林绿化中心",
    ("component", "0501"): "住房和城乡建设局",
}


def load(apps, schema_editor):
    Category = apps.get_model("cases", "Category")
    Unit = apps.get_model("cases", "Unit")
    RoutingRule = apps.get_model("cases", "RoutingRule")
    units = {}
    for name, name_en in UNITS:
        units[name], _ = Unit.objects.get_or_create(name=name, defaults={"name_en": name_en, "level": "district"})
    for kind, major, major_name, minor, name, name_en, handle, basis, priority, may_resolve in CATEGORIES:
        stages = EMERGENCY_STAGES if basis == "calendar" else WORKING_STAGES
        verify, file, dispatch, check, close = stages
        category, _ = Category.objects.get_or_create(
            kind=kind,
            major_code=major,
            minor_code=minor,
            defaults={
                "major_name": major_name,
                "name": name,
                "name_en": name_en,
                "priority": priority,
                "time_basis": basis,
                "verify_hours": verify,
                "file_hours": file,
                "dispatch_hours": dispatch,
                "handle_hours": handle,
                "check_hours": check,
                "close_hours": close,
                "officer_may_resolve": may_resolve,
            },
        )
        unit = units[ROUTES.get((kind, major + minor), "城市管理和综合执法局")]
        RoutingRule.objects.get_or_create(category=category, community=None, defaults={"unit": unit})


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
