"""Track points in, a clean track out: ordering, idempotent re-uploads, bad points."""

import random
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from patrols.models import PatrolGrid, PointFlag, TrackPoint
from patrols.services import end_patrol, record_points
from tests.patrols.conftest import offset, point_at, walk


def flags(patrol):
    return list(TrackPoint.objects.filter(patrol=patrol).order_by("recorded_at").values_list("flag", flat=True))


def test_points_make_a_track_with_its_distance_and_grid(beat, patrol):
    points = walk(*beat.start, patrol.started_at + timedelta(seconds=5), count=11, step_m=10)
    result = record_points(patrol, beat.officer, points)
    patrol.refresh_from_db()
    assert (result.received, result.stored, result.flagged) == (11, 11, 0)
    assert patrol.point_count == 11 and patrol.flagged_count == 0
    assert len(patrol.track.coords) == 11
    assert patrol.distance_m == pytest.approx(100, rel=0.01)
    visit = PatrolGrid.objects.get(patrol=patrol, grid=beat.home)
    assert visit.point_count == 11
    assert visit.first_seen_at == patrol.started_at + timedelta(seconds=5)
    assert visit.distance_m == pytest.approx(100, rel=0.01)


def test_out_of_order_points_are_sorted_by_their_own_time(beat, patrol):
    points = walk(*beat.start, patrol.started_at + timedelta(seconds=5), count=20, step_m=8)
    shuffled = points[:]
    random.Random(3).shuffle(shuffled)
    record_points(patrol, beat.officer, shuffled[:12])
    record_points(patrol, beat.officer, shuffled[12:])
    patrol.refresh_from_db()
    assert [pytest.approx(c) for c in patrol.track.coords] == [(p["lon"], p["lat"]) for p in points]
    assert patrol.distance_m == pytest.approx(152, rel=0.01)


def row_version(patrol):
    """The transaction that last wrote the patrol's row: unchanged means not rewritten."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT xmin::text FROM patrols_patrol WHERE id = %s", [patrol.pk])
        return cursor.fetchone()[0]


def test_uploading_the_same_points_again_changes_nothing(beat, patrol):
    points = walk(*beat.start, patrol.started_at + timedelta(seconds=5), count=30, step_m=9)
    points[10] = point_at(*offset(*beat.start, east_m=900), patrol.started_at + timedelta(seconds=105))  # a jump
    record_points(patrol, beat.officer, points)
    patrol.refresh_from_db()
    before = (patrol.track.wkt, patrol.distance_m, patrol.point_count, patrol.flagged_count, flags(patrol))
    visits_before = list(PatrolGrid.objects.filter(patrol=patrol).values())
    version = row_version(patrol)

    result = record_points(patrol, beat.officer, list(reversed(points)))

    assert (result.received, result.stored, result.duplicates, result.flagged) == (30, 0, 30, 0)
    patrol.refresh_from_db()
    assert (patrol.track.wkt, patrol.distance_m, patrol.point_count, patrol.flagged_count, flags(patrol)) == before
    assert before[3] == 1
    assert list(PatrolGrid.objects.filter(patrol=patrol).values()) == visits_before
    assert row_version(patrol) == version  # not even rewritten with the same values


def test_an_overlapping_upload_stores_only_its_new_points(beat, patrol):
    points = walk(*beat.start, patrol.started_at + timedelta(seconds=5), count=30, step_m=9)
    record_points(patrol, beat.officer, points)
    more = walk(*offset(*beat.start, north_m=270), patrol.started_at + timedelta(seconds=305), count=5, step_m=9)

    overlap = record_points(patrol, beat.officer, points[-3:] + more)

    assert (overlap.received, overlap.stored, overlap.duplicates) == (8, 5, 3)
    patrol.refresh_from_db()
    assert patrol.point_count == 35
    assert patrol.distance_m == pytest.approx(34 * 9, rel=0.01)


def test_an_impossible_jump_is_flagged_and_kept_out_of_the_distance(beat, patrol, settings):
    settings.PATROL_MAX_SPEED_MPS = 12
    t0 = patrol.started_at + timedelta(seconds=5)
    lon, lat = beat.start
    points = [
        point_at(lon, lat, t0),
        point_at(*offset(lon, lat, north_m=10), t0 + timedelta(seconds=10)),
        # 600 m in 10 s: a wild fix, not a walk
        point_at(*offset(lon, lat, east_m=600), t0 + timedelta(seconds=20)),
        # back near the walk: 10 m on from the last kept point
        point_at(*offset(lon, lat, north_m=20), t0 + timedelta(seconds=30)),
        point_at(*offset(lon, lat, north_m=30), t0 + timedelta(seconds=40)),
    ]
    result = record_points(patrol, beat.officer, points)
    patrol.refresh_from_db()
    assert result.flagged == 1
    assert flags(patrol) == ["", "", PointFlag.SPEED, "", ""]
    assert patrol.distance_m == pytest.approx(30, rel=0.01)
    assert len(patrol.track.coords) == 4
    assert patrol.flagged_count == 1


def test_a_real_move_is_accepted_again_once_time_allows_it(beat, patrol, settings):
    """A bus ride: too fast point to point, but the walk resumes from where the officer is."""
    settings.PATROL_MAX_SPEED_MPS = 12
    t0 = patrol.started_at + timedelta(seconds=5)
    lon, lat = beat.start
    points = [point_at(lon, lat, t0)]
    points += [point_at(*offset(lon, lat, north_m=150 * i), t0 + timedelta(seconds=10 * i)) for i in range(1, 5)]
    points += [point_at(*offset(lon, lat, north_m=600), t0 + timedelta(seconds=60))]
    record_points(patrol, beat.officer, points)
    assert flags(patrol) == ["", PointFlag.SPEED, PointFlag.SPEED, PointFlag.SPEED, PointFlag.SPEED, ""]


def test_the_verdict_does_not_depend_on_the_order_of_arrival(beat, patrol, settings):
    """A late batch from an offline phone lands between stored points: the points after
    it are checked again against the new neighbour."""
    settings.PATROL_MAX_SPEED_MPS = 12
    t0 = patrol.started_at + timedelta(seconds=5)
    lon, lat = beat.start
    first = point_at(lon, lat, t0)
    late = point_at(*offset(lon, lat, north_m=-100), t0 + timedelta(seconds=10))
    last = point_at(*offset(lon, lat, north_m=200), t0 + timedelta(seconds=20))
    record_points(patrol, beat.officer, [first, last])
    assert flags(patrol) == ["", ""]

    record_points(patrol, beat.officer, [late])
    in_two_batches = flags(patrol)
    TrackPoint.objects.filter(patrol=patrol).delete()
    record_points(patrol, beat.officer, [first, late, last])

    assert in_two_batches == flags(patrol) == ["", "", PointFlag.SPEED]
    patrol.refresh_from_db()
    assert patrol.distance_m == pytest.approx(100, rel=0.01)


def test_points_outside_the_district_are_flagged_near_ones_snap(beat, patrol, settings):
    settings.PATROL_MAX_SPEED_MPS = 1000
    t0 = patrol.started_at + timedelta(seconds=5)
    lon, lat = beat.start
    far_away = (114.2, 22.3)  # Hong Kong, 60 km east
    points = [
        point_at(lon, lat, t0),
        point_at(*far_away, t0 + timedelta(seconds=10)),
        point_at(*offset(lon, lat, north_m=10), t0 + timedelta(seconds=20)),
    ]
    record_points(patrol, beat.officer, points)
    assert flags(patrol) == ["", PointFlag.OUTSIDE, ""]
    outside = TrackPoint.objects.get(patrol=patrol, flag=PointFlag.OUTSIDE)
    assert outside.grid_id is None
    patrol.refresh_from_db()
    assert patrol.distance_m == pytest.approx(10, rel=0.02)


def test_a_point_just_outside_the_district_snaps_to_the_nearest_grid(beat, patrol):
    from django.db import connection

    with connection.cursor() as cursor:
        # 80 m north of the district's northernmost vertex, within the 200 m snap distance
        cursor.execute(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT (ST_DumpPoints(ST_Union(boundary))).geom p FROM grid_grid) d"
            " ORDER BY ST_Y(p) DESC LIMIT 1"
        )
        lon, lat = cursor.fetchone()
    near = offset(lon, lat, north_m=80)
    record_points(patrol, beat.officer, [point_at(*near, patrol.started_at + timedelta(seconds=5))])
    point = TrackPoint.objects.get(patrol=patrol)
    assert point.flag == "" and point.grid_id is not None


def test_inaccurate_and_out_of_window_points_are_flagged(beat, patrol, settings):
    settings.PATROL_MAX_ACCURACY_M = 50
    t0 = patrol.started_at + timedelta(seconds=5)
    lon, lat = beat.start
    points = [
        point_at(lon, lat, patrol.started_at - timedelta(hours=1)),  # before the patrol
        point_at(lon, lat, t0),
        point_at(*offset(lon, lat, north_m=5), t0 + timedelta(seconds=10), accuracy=400),
        point_at(*offset(lon, lat, north_m=10), t0 + timedelta(seconds=20)),
        point_at(lon, lat, timezone.now() + timedelta(hours=1)),  # in the future
    ]
    record_points(patrol, beat.officer, points)
    assert flags(patrol) == [PointFlag.OUT_OF_WINDOW, "", PointFlag.INACCURATE, "", PointFlag.OUT_OF_WINDOW]
    patrol.refresh_from_db()
    assert patrol.distance_m == pytest.approx(10, rel=0.02)
    assert patrol.flagged_count == 3


def test_the_grids_a_patrol_passes_through_are_recorded(beat, patrol, settings):
    settings.PATROL_MAX_SPEED_MPS = 1000
    home, neighbour = beat.home.boundary.centroid, beat.neighbour.boundary.centroid
    t0 = patrol.started_at + timedelta(seconds=5)
    steps = 40
    points = [
        point_at(
            home.x + (neighbour.x - home.x) * i / steps,
            home.y + (neighbour.y - home.y) * i / steps,
            t0 + timedelta(seconds=10 * i),
        )
        for i in range(steps + 1)
    ]
    record_points(patrol, beat.officer, points)
    patrol.refresh_from_db()
    visits = {visit.grid_id: visit for visit in PatrolGrid.objects.filter(patrol=patrol)}
    assert {beat.home.pk, beat.neighbour.pk} <= set(visits)
    assert visits[beat.home.pk].first_seen_at == t0
    assert visits[beat.neighbour.pk].last_seen_at == t0 + timedelta(seconds=10 * steps)
    assert sum(v.distance_m for v in visits.values()) == pytest.approx(patrol.distance_m)


def test_points_queued_offline_are_taken_after_the_patrol_ended(beat, patrol):
    points = walk(*beat.start, patrol.started_at + timedelta(seconds=5), count=5)
    end_patrol(patrol, beat.officer)
    result = record_points(patrol, beat.officer, points)
    assert result.stored == 5 and result.flagged == 0


@pytest.mark.parametrize(
    ("batch", "message"),
    [
        ([], "非空"),
        ("not a list", "非空"),
        ([{"lon": 113.5, "lat": 22.4}], "recorded_at"),
        ([{"recorded_at": "2024-05-01T10:00:00", "lon": 113.5, "lat": 22.4}], "带时区"),
        ([{"recorded_at": "2024-05-01T10:00:00+08:00", "lon": "113.5", "lat": 22.4}], "lon / lat"),
        ([{"recorded_at": "2024-05-01T10:00:00+08:00", "lon": 113.5, "lat": 95}], "lon / lat"),
        ([{"recorded_at": "2024-05-01T10:00:00+08:00", "lon": 113.5, "lat": 22.4, "accuracy": -1}], "accuracy"),
    ],
)
def test_a_malformed_batch_is_refused_whole(beat, patrol, batch, message):
    good = walk(*beat.start, patrol.started_at + timedelta(seconds=5), count=3)
    with pytest.raises(ValidationError) as error:
        record_points(patrol, beat.officer, good + batch if isinstance(batch, list) and batch else batch)
    assert message in str(error.value.message_dict["points"])
    assert not TrackPoint.objects.filter(patrol=patrol).exists()


def test_a_batch_above_the_limit_is_refused(beat, patrol, settings):
    settings.PATROL_MAX_POINTS_PER_UPLOAD = 10
    with pytest.raises(ValidationError):
        record_points(patrol, beat.officer, walk(*beat.start, patrol.started_at, count=11))


def test_only_the_patrols_officer_uploads_its_points(beat, patrol):
    points = walk(*beat.start, patrol.started_at + timedelta(seconds=5), count=3)
    for someone in (beat.other_officer, beat.supervisor):
        with pytest.raises(PermissionDenied):
            record_points(patrol, someone, points)
    assert not TrackPoint.objects.filter(patrol=patrol).exists()
