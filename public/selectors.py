"""Read queries of the public pages."""

from datetime import timedelta

from django.db import connection

from cases.models import Case, CaseState, Category, localized

# Three decimals of a degree: about 110 m north-south and 100 m east-west at 22°N, coarse
# enough that a point no longer picks out one doorway.
PUBLIC_MAP_DECIMALS = 3

# The newest cases first (the reported_at index, read backwards), at most %(limit)s.
_RECENT_CASES_SQL = f"""
WITH recent AS (
  SELECT location, category_id, state FROM {Case._meta.db_table}
   WHERE reported_at >= %(since)s AND state <> ALL(%(hidden)s)
   ORDER BY reported_at DESC LIMIT %(limit)s
)
SELECT round(ST_X(r.location)::numeric, %(decimals)s)::float8 AS lon,
       round(ST_Y(r.location)::numeric, %(decimals)s)::float8 AS lat,
       k.name, k.name_en, r.state = %(closed)s AS closed, count(*) AS n
  FROM recent r JOIN {Category._meta.db_table} k ON k.id = r.category_id
 GROUP BY 1, 2, 3, 4, 5
 ORDER BY 1, 2, 3, 5
"""

# Reports found invalid or folded into another case are not problems on the ground.
_HIDDEN_STATES = [CaseState.VOIDED, CaseState.MERGED]


def recent_case_features(now, days, limit) -> dict:
    """The newest cases (at most `limit`) reported in the last `days` days, as a GeoJSON
    FeatureCollection of coarse points: per ~100 m cell, category and open/closed, how
    many, category names in the active language. Nothing else: no number, no text, no
    date, no person. One query.

    The collection's `cases` says how many cases it counts, `limited` whether older ones
    in the period were left out (a map of tens of thousands of dots helps nobody, and a
    phone would have to download them)."""
    with connection.cursor() as cursor:
        cursor.execute(
            _RECENT_CASES_SQL,
            {
                "decimals": PUBLIC_MAP_DECIMALS,
                "closed": CaseState.CLOSED,
                "since": now - timedelta(days=days),
                "hidden": _HIDDEN_STATES,
                "limit": limit,
            },
        )
        rows = cursor.fetchall()
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {
                "category": localized(name, name_en),
                "status": "closed" if closed else "open",
                "count": count,
            },
        }
        for lon, lat, name, name_en, closed, count in rows
    ]
    cases = sum(feature["properties"]["count"] for feature in features)
    return {"type": "FeatureCollection", "features": features, "cases": cases, "limited": cases >= limit}
