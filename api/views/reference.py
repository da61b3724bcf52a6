"""Reference data every client needs to file and dispatch cases."""

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from api.serializers import CategorySerializer, UnitSerializer
from api.views import AUTH_ERRORS, ApiView
from cases.models import Category, Unit


class CategoryListView(ApiView):
    # Needed by every client that files cases, external systems included.
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="categories_list",
        summary="案件类别",
        description="启用的案件类别及其处置时限（小时）。",
        tags=["reference"],
        responses={200: CategorySerializer(many=True), **AUTH_ERRORS},
    )
    def get(self, request):
        return Response(CategorySerializer(Category.objects.filter(active=True), many=True).data)


class UnitListView(ApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="units_list",
        summary="处置单位",
        description="启用的处置单位（派遣时选择）。",
        tags=["reference"],
        responses={200: UnitSerializer(many=True), **AUTH_ERRORS},
    )
    def get(self, request):
        return Response(UnitSerializer(Unit.objects.filter(active=True), many=True).data)
