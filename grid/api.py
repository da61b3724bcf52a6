import hashlib
import threading
from collections import OrderedDict

from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import quote_etag
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from accounts.roles import STAFF_ROLES
from grid.selectors import GridFilter, grid_data_fingerprint, grid_features
from grid.serializers import GridCollectionQuerySerializer, GridFeatureSerializer

# Part of every cache key and ETag: change it when the feature layout changes, so bodies
# cached by the previous release are never served.
FEATURE_LAYOUT_VERSION = "1"
# The key already changes with the data; the timeout only bounds what unused bodies cost.
CACHED_BODY_SECONDS = 24 * 3600
# A body is named by its digest and never changes, so each process keeps the last few it
# served (about 50 KB each) and skips the cache's round trip for them.
RECENT_BODIES = 16
_recent_bodies: OrderedDict[str, bytes] = OrderedDict()
_recent_lock = threading.Lock()


def _cached_body(cache_key: str) -> bytes | None:
    with _recent_lock:
        body = _recent_bodies.get(cache_key)
        if body is not None:
            _recent_bodies.move_to_end(cache_key)
            return body
    body = cache.get(cache_key)
    if body is not None:
        _keep_recent(cache_key, body)
    return body


def _keep_recent(cache_key: str, body: bytes) -> None:
    with _recent_lock:
        _recent_bodies[cache_key] = body
        while len(_recent_bodies) > RECENT_BODIES:
            _recent_bodies.popitem(last=False)


def can_see_officer_names(user) -> bool:
    """Officers' names are personal data: platform staff see them, residents and the public
    see boundaries only."""
    return user.is_authenticated and (user.is_staff or user.has_role(*STAFF_ROLES))


class GridCollectionView(APIView):
    renderer_classes = [JSONRenderer]

    @extend_schema(
        operation_id="grids_list",
        summary=_("网格边界（GeoJSON）"),
        description=_(
            "全部网格的简化边界，GeoJSON FeatureCollection。支持 ETag：带 If-None-Match 再次请求，"
            "数据未变时返回 304。网格员姓名仅对工作人员返回。"
        ),
        tags=["grids"],
        parameters=[
            GridCollectionQuerySerializer,
            OpenApiParameter("If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False),
            OpenApiParameter("ETag", OpenApiTypes.STR, OpenApiParameter.HEADER, response=[200, 304]),
        ],
        responses={
            200: GridFeatureSerializer(many=True, context={"with_officers": True}),
            304: OpenApiResponse(description=_("数据未变，沿用客户端缓存")),
            400: OpenApiResponse(description=_("查询参数无效（例如 bbox 格式错误）")),
        },
    )
    def get(self, request):
        query = GridCollectionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        grid_filter = GridFilter(bbox=params.get("bbox"), community_code=params.get("community"))
        with_officers = can_see_officer_names(request.user)

        digest = self._content_digest(grid_filter, params["tolerance"], with_officers)
        # Test runs and staging may share a Redis with production under the same prefix,
        # and a body describes the rows of one database.
        cache_key = f"grid-features:{connection.settings_dict['NAME']}:{digest}"
        etag = quote_etag(digest)
        response = get_conditional_response(request, etag=etag)
        if response is None:
            body = _cached_body(cache_key)
            if body is None:
                grids = grid_features(grid_filter, tolerance=params["tolerance"], with_officers=with_officers)
                data = GridFeatureSerializer(grids, many=True, context={"with_officers": with_officers}).data
                body = JSONRenderer().render(data)
                cache.set(cache_key, body, CACHED_BODY_SECONDS)
                _keep_recent(cache_key, body)
            response = HttpResponse(body, content_type="application/json")
        response["ETag"] = etag
        # Clients may keep the body but must revalidate it; names of officers stay private.
        if with_officers:
            patch_cache_control(response, no_cache=True, private=True)
        else:
            patch_cache_control(response, no_cache=True)
        patch_vary_headers(response, ["Cookie"])
        return response

    @staticmethod
    def _content_digest(grid_filter: GridFilter, tolerance: float, with_officers: bool) -> str:
        """Names the body this request would get: equal digests, equal bodies."""
        fingerprint = grid_data_fingerprint(with_officers=with_officers)
        identity = repr((FEATURE_LAYOUT_VERSION, fingerprint, with_officers, grid_filter, tolerance))
        return hashlib.sha256(identity.encode()).hexdigest()[:32]
