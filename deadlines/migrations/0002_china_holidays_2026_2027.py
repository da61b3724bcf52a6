"""China's public holidays and make-up working days (调休) for 2026 and 2027.

2026: the State Council General Office notice on the 2026 holiday schedule (published
November 2025), under the holiday rules as revised in 2024 (the Spring Festival eve and
2 May statutory since 2025). Checked day by day against the chinese-calendar package's
2026 data.

2027: the notice had not been published when this was written. The days below are the
statutory days and the bridges that are near certain; they carry NO make-up working days.
Check the whole year against the official notice (usually published in November) and
correct it in the admin (时限 › 节假日与调休):
- 春节: Chinese New Year is Sat 6 Feb 2027; the eve, Fri 5 Feb, is statutory since 2025.
  Loaded 5-11 Feb (eve to 初六); the notice will probably add a day or two and make-up days.
- 劳动节 1-5 May and 国庆节 1-7 Oct will come with make-up weekend days not loaded here.
- 端午 (Wed 9 Jun) and 中秋 (Wed 15 Sep) fall on a Wednesday, which the notices keep as a
  single day off without swaps, so only those days are loaded.

Rows are only added where the date has none, so an edit made in the admin survives, and
`load` can be rerun to restore the data after a test flush.
"""

from datetime import date, timedelta

from django.db import migrations

HOLIDAY = "holiday"
WORKDAY = "workday"


def _days(first, last):
    day = date.fromisoformat(first)
    while day <= date.fromisoformat(last):
        yield day
        day += timedelta(days=1)


HOLIDAYS = [
    # 2026
    ("元旦", "2026-01-01", "2026-01-03"),
    ("春节", "2026-02-15", "2026-02-23"),
    ("清明节", "2026-04-04", "2026-04-06"),
    ("劳动节", "2026-05-01", "2026-05-05"),
    ("端午节", "2026-06-19", "2026-06-21"),
    ("中秋节", "2026-09-25", "2026-09-27"),
    ("国庆节", "2026-10-01", "2026-10-07"),
    # 2027 (see the module docstring: to be checked against the official notice)
    ("元旦", "2027-01-01", "2027-01-03"),
    ("春节", "2027-02-05", "2027-02-11"),
    ("清明节", "2027-04-03", "2027-04-05"),
    ("劳动节", "2027-05-01", "2027-05-05"),
    ("端午节", "2027-06-09", "2027-06-09"),
    ("中秋节", "2027-09-15", "2027-09-15"),
    ("国庆节", "2027-10-01", "2027-10-07"),
]

WORKDAYS = [
    ("元旦", "2026-01-04"),
    ("春节", "2026-02-14"),
    ("春节", "2026-02-28"),
    ("劳动节", "2026-05-09"),
    ("国庆节", "2026-09-20"),
    ("国庆节", "2026-10-10"),
]


def _rows():
    for name, first, last in HOLIDAYS:
        for day in _days(first, last):
            yield day, HOLIDAY, name
    for name, day in WORKDAYS:
        yield date.fromisoformat(day), WORKDAY, name


def load(apps, schema_editor):
    CalendarDay = apps.get_model("deadlines", "CalendarDay")
    for day, kind, name in _rows():
        CalendarDay.objects.get_or_create(date=day, defaults={"kind": kind, "name": name})


def unload(apps, schema_editor):
    CalendarDay = apps.get_model("deadlines", "CalendarDay")
    CalendarDay.objects.filter(date__in=[day for day, _kind, _name in _rows()]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("deadlines", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load, unload),
    ]
