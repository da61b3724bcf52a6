"""Read queries of the public pages."""

from datetime import timedelta

from django.db import connection

from cases.models import Case, CaseState, Category

# Three decimals of a degree: about 110 m north-south and 100 m east-west at 22°N, coarse
# enough that a point no longer picks out one doorway.
PUBLIC_MAP_DECIMALS = 3

_RECENT_CASES_SQL = f"""
SELECT round(ST_X(c.location)::numeric, %(decimals)s)::float8 AS lon,
       round(ST_Y(c.location)::numeric, %(decimals)s)::float8 AS lat,
       k.name, k.name_en, c.state = %(closed)s AS closed, count(*) AS n
  FROM {Case._meta.db_table} c JOIN {Category._meta.db_table} k ON k.id = c.category_id
 WHERE c.reported_at >= %(since)s AND c.state <> ALL(%(hidden)s)
 GROUP BY 1, 2, 3, 4, 5
 ORDER BY 1, 2, 3, 5
"""

# Reports found invalid or folded into another case are not problems on the ground.
_HIDDEN_STATES = [CaseState.VOIDED, CaseState.MERGED]


def recent_case_features(now, days, *, english=False) -> dict:
    """Cases reported in the last `days` days as a GeoJSON FeatureCollection of coarse
    points: per ~100 m cell, category and open/closed, how many. Nothing else: no
    number, no text, no date, no person. One query."""
    with connection.cursor() as cursor:
        cursor.execute(
            _RECENT_CASES_SQL,
            {
                "decimals": PUBLIC_MAP_DECIMALS,
                "closed": CaseState.CLOSED,
                "since": now - timedelta(days=days),
                "hidden": _HIDDEN_STATES,
            },
        )
        rows = cursor.fetchall()
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {
                "category": name_en if english and name_en else name,
                "status": "closed" if closed else "open",
                "count": count,
            },
        }
        for lon, lat, name, name_en, closed, count in rows
    ]
    return {"type": "FeatureCollection", "features": features}
