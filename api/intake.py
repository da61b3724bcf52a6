"""Reports arriving through the REST API or Open311: photos cleaned of their metadata,
then one call to cases.services.report, which holds every rule of intake."""

from dataclasses import dataclass

from django.contrib.gis.geos import Point
from django.utils import timezone

from accounts.roles import Role
from api.models import ApiKey, PhotoLocation
from cases.models import CasePhoto, CaseSource
from cases.photos import without_metadata
from cases.services import report


@dataclass
class CleanPhotos:
    """Uploads re-encoded without metadata, with the GPS position each one carried."""

    files: list
    positions: list

    @classmethod
    def of(cls, uploads):
        cleaned = [without_metadata(upload) for upload in uploads or ()]
        return cls([upload for upload, _ in cleaned], [position for _, position in cleaned])

    def first_position(self):
        return next((position for position in self.positions if position), None)

    def record_positions(self, case, since):
        """Keep where each photo was taken (for staff), matched among the case's photos
        uploaded since `since` by its random file name."""
        taken = {upload.name: position for upload, position in zip(self.files, self.positions, strict=True) if position}
        if not taken:
            return
        photos = CasePhoto.objects.filter(case=case, uploaded_at__gte=since).only("pk", "image")
        PhotoLocation.objects.bulk_create(
            PhotoLocation(photo=photo, location=Point(*taken[name], srid=4326))
            for photo in photos
            if (name := photo.image.name.rsplit("/", 1)[-1]) in taken
        )


def default_source(user, api_key: ApiKey | None) -> str:
    if api_key is not None:
        return CaseSource.PLATFORM
    return CaseSource.OFFICER if user.has_role(Role.GRID_OFFICER) else CaseSource.RESIDENT


def file_report(*, user, api_key: ApiKey | None, lon, lat, photos=(), after_photos=(), external_id="", **fields):
    """File a report; returns (case, created). A report from an external system with an
    external id it used before returns that case with created=False.

    Without coordinates, the first GPS position found in the photos places the report."""
    before, after = CleanPhotos.of(photos), CleanPhotos.of(after_photos)
    if lon is None and lat is None and (position := before.first_position() or after.first_position()):
        lon, lat = position
    external_system = api_key.system if api_key is not None and external_id else ""
    now = timezone.now()
    case = report(
        actor=user,
        lon=lon,
        lat=lat,
        photos=before.files,
        after_photos=after.files,
        external_system=external_system,
        external_id=external_id,
        at=now,
        **fields,
    )
    # report() returns the earlier case for a repeated external id, also when a
    # concurrent retry won the race: a case filed by this call carries this call's time.
    created = case.reported_at == now
    if created:
        before.record_positions(case, now)
        after.record_positions(case, now)
    return case, created
