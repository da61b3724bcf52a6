import math

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from grid.models import COMMUNITY_CODE_VALIDATOR, Community, Grid

DEFAULT_TOLERANCE_DEG = 0.00005  # about 5 m: invisible at district zoom, halves the vertices
MAX_TOLERANCE_DEG = 0.001  # about 100 m: beyond it neighbouring grids visibly drift apart


class BBoxField(serializers.CharField):
    """`min lon,min lat,max lon,max lat` in WGS84 degrees."""

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        try:
            numbers = tuple(float(part) for part in text.split(","))
        except ValueError:
            numbers = ()
        if len(numbers) != 4 or not all(math.isfinite(number) for number in numbers):
            raise serializers.ValidationError(_("bbox 必须是4个以逗号分隔的数字：最小经度,最小纬度,最大经度,最大纬度"))
        min_lon, min_lat, max_lon, max_lat = numbers
        if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180 and -90 <= min_lat <= 90 and -90 <= max_lat <= 90):
            raise serializers.ValidationError(_("bbox 超出有效范围（经度 -180~180，纬度 -90~90）"))
        if min_lon > max_lon or min_lat > max_lat:
            raise serializers.ValidationError(_("bbox 的最小经纬度不能大于最大经纬度"))
        return numbers


class GridCollectionQuerySerializer(serializers.Serializer):
    bbox = BBoxField(
        required=False,
        help_text=_("只返回与此范围相交的网格：最小经度,最小纬度,最大经度,最大纬度（WGS84）"),
    )
    community = serializers.CharField(
        required=False,
        validators=[COMMUNITY_CODE_VALIDATOR],
        help_text=_("只返回此社区（12位社区编码）的网格"),
    )
    tolerance = serializers.FloatField(
        required=False,
        default=DEFAULT_TOLERANCE_DEG,
        help_text=format_lazy(_("边界简化容差（度），超出 0~{max} 时取边界值"), max=MAX_TOLERANCE_DEG),
    )

    def validate_tolerance(self, value):
        if not math.isfinite(value):
            raise serializers.ValidationError(_("tolerance 必须是有限的数字"))
        return min(max(value, 0.0), MAX_TOLERANCE_DEG)


@extend_schema_field(OpenApiTypes.OBJECT)
class RenderedGeometryField(GeometryField):
    """A geometry PostGIS already rendered as a GeoJSON dict, passed through untouched.

    As a feature's `geo_field`, its schema comes from the model field of the same name; the
    override only keeps the schema generator from looking for a model field behind the
    annotation it reads."""


class CommunityRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Community
        fields = ["code", "name"]


class GridFeatureSerializer(GeoFeatureModelSerializer):
    """A grid as a GeoJSON feature; `officers` is returned to staff only."""

    # `simplified_boundary` and `ordered_assignments` come from grid.selectors.grid_features.
    boundary = RenderedGeometryField(source="simplified_boundary", read_only=True)
    community = CommunityRefSerializer(read_only=True)
    area_m2 = serializers.SerializerMethodField(help_text=_("面积（平方米，取整）"))
    officers = serializers.SerializerMethodField(help_text=_("网格员姓名，主责网格员在前；仅工作人员可见"))

    class Meta:
        model = Grid
        geo_field = "boundary"
        id_field = False
        fields = ["id", "code", "name", "community", "area_m2", "officers", "boundary"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A required key, not a default: leaving names out must never depend on a forgotten one.
        if not self.context["with_officers"]:
            self.fields.pop("officers")

    @extend_schema_field(OpenApiTypes.INT)
    def get_area_m2(self, grid):
        return round(grid.area_m2)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_officers(self, grid):
        return [assignment.officer.display_name for assignment in grid.ordered_assignments]
