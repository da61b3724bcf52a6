"""The error responses every operation can give, added to the OpenAPI document in one
place (a drf-spectacular postprocessing hook), so that each app's views document the
shared error shape without repeating it, and the schema says what the API really does.

Every operation: 401 (missing or bad credentials: a bad token is refused even where
anonymous access is allowed), 403 (not allowed, CSRF, an API key without the scope),
429 (throttled). With query parameters or a body: 400. With path parameters or pages:
404. A response an operation documents itself is kept."""

from django.utils.translation import gettext_lazy as _

ERROR_SCHEMA = "Error"
_DESCRIPTIONS = {
    "400": _("输入有误（fields 给出各项错误）"),
    "401": _("未登录或凭据无效"),
    "403": _("无权访问"),
    "404": _("不存在、不在权限范围内，或页码超出范围"),
    "429": _("请求过于频繁（见 Retry-After）"),
}
_METHODS = ("get", "put", "patch", "post", "delete")


def add_error_responses(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    if ERROR_SCHEMA not in schemas:
        return result  # no view of ours in this document
    reference = {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}
    for path_item in result.get("paths", {}).values():
        for method in _METHODS:
            operation = path_item.get(method)
            if operation is None:
                continue
            parameters = operation.get("parameters", [])
            codes = ["401", "403", "429"]
            if "requestBody" in operation or any(p["in"] == "query" for p in parameters):
                codes.append("400")
            if any(p["in"] == "path" or p["name"] == "page" for p in parameters):
                codes.append("404")
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(
                    code,
                    {"description": str(_DESCRIPTIONS[code]), "content": {"application/json": {"schema": reference}}},
                )
    return result
