from django.contrib.auth import authenticate, logout
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from api.models import AuthToken
from api.permissions import IsUser
from api.serializers import LoginSerializer, TokenSerializer, UserSerializer
from api.throttling import ClientRateThrottle, LoginRateThrottle
from api.views import AUTH_ERRORS, ApiView, error


class TokenView(ApiView):
    permission_classes = [AllowAny]
    throttle_classes = [LoginRateThrottle, ClientRateThrottle]

    @extend_schema(
        operation_id="auth_token_create",
        summary="登录，取得令牌",
        description=(
            "用户名和密码换取登录令牌（Authorization: Bearer <token>），令牌在 expires_at 过期，"
            "POST /api/v1/auth/logout/ 立即注销。连续失败多次后该账号暂时锁定（429）。"
        ),
        tags=["auth"],
        request=LoginSerializer,
        responses={
            201: TokenSerializer,
            400: error("缺少用户名或密码"),
            401: error("用户名或密码错误"),
            429: error("尝试过多，暂时锁定"),
        },
        auth=[],
    )
    def post(self, request):
        credentials = LoginSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        data = credentials.validated_data
        # The Django request, so django-axes counts failures and locks the account out.
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if user is None:
            raise exceptions.AuthenticationFailed(_("用户名或密码错误"), code="invalid_credentials")
        token, secret = AuthToken.issue(user, client=data.get("client", ""))
        body = {"token": secret, "expires_at": token.expires_at, "user": user}
        return Response(TokenSerializer(body).data, status=status.HTTP_201_CREATED)


class LogoutView(ApiView):
    permission_classes = [IsUser]

    @extend_schema(
        operation_id="auth_logout",
        summary="注销",
        description="注销当前令牌（或浏览器会话），之后用它的请求返回 401。",
        tags=["auth"],
        request=None,
        responses={204: OpenApiResponse(description="已注销"), **AUTH_ERRORS},
    )
    def post(self, request):
        if isinstance(request.auth, AuthToken):
            AuthToken.objects.filter(pk=request.auth.pk).update(revoked_at=timezone.now())
        else:
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(ApiView):
    permission_classes = [IsUser]

    @extend_schema(
        operation_id="me",
        summary="当前用户",
        description="当前用户、角色和可处理的工作队列。",
        tags=["auth"],
        responses={200: UserSerializer, **AUTH_ERRORS},
    )
    def get(self, request):
        return Response(UserSerializer(request.user).data)
