"""Open311 GeoReport v2 (wiki.open311.org/GeoReport_v2) at /open311/v2/, so any Open311
client can list our categories as services, file reports and follow them.

Mapping: a service is an active case category, its service_code the kind (E event, C
component) and the 4-digit category code, e.g. E0102; a service request is a case, its
service_request_id the case number. `status` is open or closed; our finer state is in
`status_notes`; `expected_datetime` is the handling deadline (or the current stage's);
`agency_responsible` the unit the case is dispatched to. Every service is `realtime`:
POST returns the service_request_id at once, so tokens/{token} only resolves tokens of
the form `request_token(case)` gives. One jurisdiction is served: jurisdiction_id may be
left out, and any other value than ours is a 404.

Formats: every resource as .json and .xml (XML without namespace, UTF-8 declaration).
Errors: the spec's list of {code, description} with the HTTP status: 400 bad input,
403 missing or invalid api_key, 404 unknown resource, 429 throttled."""

import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import FloatField, Func, OuterRef, Subquery
from django.db.models.functions import Greatest
from django.http import HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from api.authentication import authenticate_api_key
from api.intake import file_report
from api.models import ApiKey, Scope
from api.throttling import ClientRateThrottle
from cases.models import (
    FINAL_STATES,
    OPEN_STATES,
    Case,
    CaseKind,
    CasePhoto,
    CaseSource,
    CaseState,
    Category,
    localized,
)

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
DEFAULT_DAYS = 90
MAX_REQUESTS = 1000
TOKEN_SALT = "open311-token"
_KIND_LETTERS = {CaseKind.EVENT: "E", CaseKind.COMPONENT: "C"}
_SERVICE_CODE = re.compile(r"^([EC])(\d{2})(\d{2})$")
# Element names of list items in XML (the Spark convention the JSON follows).
_XML_ITEMS = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "service_requests": "request",
    "errors": "error",
}
# Length limits of what POST requests stores, per parameter.
_MAX_LENGTHS = {
    "description": 4000,
    "address_string": 200,
    "first_name": 50,
    "last_name": 50,
    "phone": 20,
    "email": 254,
    "media_url": 500,
    "external_id": 100,
    "device_id": 200,
    "account_id": 200,
}
_MAX_ATTRIBUTE_LENGTH = 200


class Open311Error(Exception):
    def __init__(self, status, *descriptions):
        super().__init__(*descriptions)
        self.status = status
        self.descriptions = descriptions


# ---------------------------------------------------------------- services


def service_code(category) -> str:
    return f"{_KIND_LETTERS[category.kind]}{category.code}"


def _category(code) -> Category | None:
    match = _SERVICE_CODE.match(code or "")
    if not match:
        return None
    kind = CaseKind.EVENT if match[1] == "E" else CaseKind.COMPONENT
    return Category.objects.filter(kind=kind, major_code=match[2], minor_code=match[3], active=True).first()


def _hours_text(hours: Decimal) -> str:
    return f"{hours.normalize():f}"


def _time_limit_text(category) -> str | None:
    if category.handle_hours is None:
        return None
    return _("派遣后 %(hours)s %(basis)s内处置") % {
        "hours": _hours_text(category.handle_hours),
        "basis": category.get_time_basis_display(),
    }


def _service(category):
    return {
        "service_code": service_code(category),
        "service_name": category.label,
        "description": f"{category.get_kind_display()} · {category.major_name} · {category.name}",
        "metadata": True,
        "type": "realtime",
        "keywords": ", ".join(filter(None, [category.name, category.name_en, category.get_kind_display()])),
        "group": category.major_name,
    }


def _attributes(category):
    """The service definition: one line of information and the optional details a
    reporter can add (appended to the case's address and description)."""
    attributes = []
    if text := _time_limit_text(category):
        attributes.append(_attribute("time_limit", _("处置时限"), text, variable=False))
    attributes.append(_attribute("location_detail", _("位置补充"), _("楼栋、门牌、路口等具体位置")))
    if category.kind == CaseKind.COMPONENT:
        attributes.append(_attribute("facility_code", _("部件编号"), _("部件上的编号，如井盖编号")))
    for order, attribute in enumerate(attributes, start=1):
        attribute["order"] = order
    return attributes


def _attribute(code, description, datatype_description, *, variable=True):
    return {
        "variable": variable,
        "code": code,
        "datatype": "string",
        "required": False,
        "datatype_description": datatype_description,
        "description": description,
        "values": [],
    }


# ---------------------------------------------------------------- requests


def request_token(case) -> str:
    return signing.dumps(case.number, salt=TOKEN_SALT)


def _w3(moment):
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


class _RequestWriter:
    """Turns rows of `_published_cases` into service requests for one response. Rows are
    plain values (model instances cost most of a 1000-row answer), and category texts and
    state labels are worked out once per response, not once per row."""

    def __init__(self, request):
        self.state_labels = {value: str(label) for value, label in CaseState.choices}
        self.media_prefix = request.build_absolute_uri(settings.MEDIA_URL)
        self.categories = Category.objects.in_bulk()
        self.services = {}

    def _service(self, category_id):
        if category_id not in self.services:
            category = self.categories[category_id]
            name = category.label
            self.services[category_id] = (service_code(category), name, _time_limit_text(category))
        return self.services[category_id]

    def _status_notes(self, row):
        label = self.state_labels[row["state"]]
        if row["state"] == CaseState.MERGED and row["merged_number"]:
            return _("%(state)s：与 %(number)s 合并办理") % {"state": label, "number": row["merged_number"]}
        return label

    def __call__(self, row):
        code, name, notice = self._service(row["category_id"])
        final = row["state"] in FINAL_STATES
        agency = localized(row["unit__name"], row["unit__name_en"])
        return {
            "service_request_id": row["number"],
            "status": "closed" if final else "open",
            "status_notes": self._status_notes(row),
            "service_name": name,
            "service_code": code,
            "description": row["description"],
            "agency_responsible": agency,
            "service_notice": notice,
            "requested_datetime": _w3(row["reported_at"]),
            "updated_datetime": _w3(row["updated_at"]),
            "expected_datetime": _w3(None if final else row["handle_due_at"] or row["due_at"]),
            "address": row["address"] or f"{row['community__name']} {row['grid__name']}",
            "address_id": None,
            "zipcode": None,
            "lat": row["lat"],
            "long": row["lon"],
            "media_url": self.media_prefix + quote(row["first_photo"]) if row["first_photo"] else None,
        }


def _published_cases():
    """Every case as Open311 publishes it: values, not model instances."""
    first_photo = CasePhoto.objects.filter(case=OuterRef("pk")).order_by("uploaded_at", "id").values("image")[:1]
    merged_number = Case.objects.filter(pk=OuterRef("merged_into_id")).values("number")[:1]
    return Case.objects.values(
        *("number", "state", "description", "address", "reported_at", "due_at", "handle_due_at", "category_id"),
        *("unit__name", "unit__name_en", "grid__name", "community__name"),
        lon=Func("location", function="ST_X", output_field=FloatField()),
        lat=Func("location", function="ST_Y", output_field=FloatField()),
        # A state change sets stage_started_at, so it is the last modification; a closed
        # case's is the closing time, as the spec wants.
        updated_at=Greatest("reported_at", "stage_started_at"),
        first_photo=Subquery(first_photo),
        merged_number=Subquery(merged_number),
    )


def _moment(params, name):
    text = (params.get(name) or "").strip()
    if not text:
        return None
    try:
        moment = parse_datetime(text)
        if moment is None and (day := parse_date(text)) is not None:
            moment = datetime.combine(day, datetime.min.time())
    except ValueError:
        moment = None
    if moment is None:
        raise Open311Error(400, _("%(name)s 必须是 W3C 日期时间，如 2010-01-01T00:00:00Z") % {"name": name})
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    # In UTC: PostgreSQL takes offsets up to 16 hours, Python's go up to 24.
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise Open311Error(400, _("日期超出范围")) from None


def _date_range(params):
    start, end = _moment(params, "start_date"), _moment(params, "end_date")
    span = timedelta(days=DEFAULT_DAYS)
    try:
        if start and end:
            if end < start:
                raise Open311Error(400, _("end_date 不能早于 start_date"))
            if end - start > span:
                raise Open311Error(400, _("start_date 与 end_date 相距不能超过 %(days)d 天") % {"days": DEFAULT_DAYS})
            return start, end
        if start:
            return start, start + span
        end = end or timezone.now()
        return end - span, end
    except OverflowError:
        raise Open311Error(400, _("日期超出范围")) from None


def _csv(params, name):
    return [part.strip() for part in (params.get(name) or "").split(",") if part.strip()]


# ---------------------------------------------------------------- rendering


# Characters XML 1.0 cannot carry (control characters, lone surrogates): dropped, so a
# description with a stray control character still gives clients a parseable document.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _element(tag, value):
    element = ET.Element(tag)
    if isinstance(value, dict):
        for key, child in value.items():
            element.append(_element(key, child))
    elif isinstance(value, list):
        for item in value:
            element.append(_element(_XML_ITEMS[tag], item))
    else:
        element.text = _text(value)
    return element


def render(data, fmt, root, status=200):
    """JSON as is, or XML under `root` (a list's items named by _XML_ITEMS)."""
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False, cls=DjangoJSONEncoder)
        return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")
    body = '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(_element(root, data), encoding="unicode")
    return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")


# ---------------------------------------------------------------- views


class Open311KeyAuthentication(authentication.BaseAuthentication):
    """The spec's `api_key` parameter. An unknown key leaves the caller anonymous: the
    view answers 403 where a key is required."""

    def authenticate(self, request):
        params = request.data if request.method == "POST" else request.query_params
        secret = params.get("api_key")
        api_key = authenticate_api_key(secret) if isinstance(secret, str) and secret else None
        return (api_key.user, api_key) if api_key else None


class Open311View(APIView):
    authentication_classes = [Open311KeyAuthentication]
    permission_classes = [AllowAny]
    throttle_classes = [ClientRateThrottle]
    parser_classes = [FormParser, MultiPartParser]
    schema = None  # specified by Open311 itself, not in our OpenAPI document

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        params = request.data if request.method == "POST" else request.query_params
        jurisdiction = params.get("jurisdiction_id")
        if jurisdiction and jurisdiction != settings.OPEN311_JURISDICTION_ID:
            raise Open311Error(
                404, _("jurisdiction_id 不存在：本接口只服务 %(id)s") % {"id": settings.OPEN311_JURISDICTION_ID}
            )

    def handle_exception(self, exc):
        fmt = self.kwargs.get("fmt", "xml")
        if isinstance(exc, Open311Error):
            return _errors(fmt, exc.status, exc.descriptions)
        if isinstance(exc, exceptions.Throttled):
            response = _errors(fmt, 429, [str(exc.detail)])
            if exc.wait:
                response["Retry-After"] = str(int(exc.wait) + 1)
            return response
        if isinstance(exc, exceptions.MethodNotAllowed):
            response = _errors(fmt, 405, [str(exc.detail)])
            response["Allow"] = ", ".join(self.allowed_methods)
            return response
        if isinstance(exc, exceptions.NotFound):
            return _errors(fmt, 404, [str(exc.detail)])
        if isinstance(exc, exceptions.APIException):  # unparsable body, unsupported media type...
            return _errors(fmt, 400, [str(exc.detail)])
        return super().handle_exception(exc)


def _errors(fmt, status, descriptions):
    return render([{"code": status, "description": str(text)} for text in descriptions], fmt, "errors", status)


class DiscoveryView(Open311View):
    def get(self, request, fmt):
        endpoint = {
            "specification": SPECIFICATION,
            "url": request.build_absolute_uri("/open311/v2"),
            "changeset": settings.OPEN311_CHANGESET,
            "type": settings.OPEN311_ENDPOINT_TYPE,
            "formats": ["text/xml", "application/json"],
        }
        discovery = {
            "changeset": settings.OPEN311_CHANGESET,
            "contact": settings.OPEN311_CONTACT,
            "key_service": settings.OPEN311_KEY_SERVICE,
            "endpoints": [endpoint],
        }
        return render(discovery, fmt, "discovery")


class ServiceListView(Open311View):
    def get(self, request, fmt):
        services = [_service(category) for category in Category.objects.filter(active=True)]
        return render(services, fmt, "services")


class ServiceDefinitionView(Open311View):
    def get(self, request, code, fmt):
        category = _category(code)
        if category is None:
            raise Open311Error(404, _("service_code 不存在：%(code)s") % {"code": code})
        definition = {"service_code": service_code(category), "attributes": _attributes(category)}
        return render(definition, fmt, "service_definition")


class RequestListView(Open311View):
    def get(self, request, fmt):
        params = request.query_params
        cases = _published_cases()
        if ids := _csv(params, "service_request_id"):
            cases = cases.filter(number__in=ids[:MAX_REQUESTS])
        else:
            start, end = _date_range(params)
            cases = cases.filter(reported_at__gte=start, reported_at__lte=end)
            if codes := _csv(params, "service_code"):
                cases = cases.filter(category__in=[c.pk for c in map(_category, codes) if c is not None])
            if statuses := _csv(params, "status"):
                if not set(statuses) <= {"open", "closed"}:
                    raise Open311Error(400, _("status 只能是 open 或 closed"))
                states = set()
                if "open" in statuses:
                    states |= OPEN_STATES
                if "closed" in statuses:
                    states |= FINAL_STATES
                cases = cases.filter(state__in=states)
        cases = cases.order_by("-reported_at", "-id")[:MAX_REQUESTS]
        write = _RequestWriter(request)
        return render([write(case) for case in cases], fmt, "service_requests")

    def post(self, request, fmt):
        api_key = request.auth if isinstance(request.auth, ApiKey) else None
        if api_key is None:
            raise Open311Error(403, _("api_key 缺失或无效"))
        if not api_key.allows(Scope.CASES_CREATE):
            raise Open311Error(403, _("该 api_key 无权上报"))
        data = request.data
        _check_text(data)
        code = (data.get("service_code") or "").strip()
        if not code:
            raise Open311Error(400, _("缺少 service_code"))
        category = _category(code)
        if category is None:
            raise Open311Error(404, _("service_code 不存在：%(code)s") % {"code": code})
        lat, lon = (data.get("lat") or "").strip(), (data.get("long") or "").strip()
        if not (lat and lon):
            if data.get("address_string") or data.get("address_id"):
                raise Open311Error(400, _("请提供 lat 和 long：本辖区无法仅凭地址定位"))
            raise Open311Error(400, _("缺少位置：请提供 lat 和 long"))
        details = _attribute_values(data)
        description = (data.get("description") or "").strip() or category.name
        if facility := details.get("facility_code"):
            description += "\n" + _("部件编号：%(code)s") % {"code": facility}
        if media_url := (data.get("media_url") or "").strip():
            description += "\n" + _("图片链接：%(url)s") % {"url": media_url}
        address = " ".join(filter(None, [(data.get("address_string") or "").strip(), details.get("location_detail")]))
        try:
            case, created = file_report(
                user=api_key.user,
                api_key=api_key,
                source=CaseSource.PLATFORM,
                category=category,
                lon=lon,
                lat=lat,
                description=description,
                address=address[:200],
                reporter_name=_person_name(data)[:50],
                reporter_phone=(data.get("phone") or "").strip(),
                photos=request.FILES.getlist("media"),
                external_id=(data.get("external_id") or "").strip(),
            )
        except ValidationError as exc:
            raise Open311Error(400, *_validation_messages(exc)) from None
        accepted = {"service_request_id": case.number, "service_notice": _time_limit_text(category), "account_id": None}
        return render([accepted], fmt, "service_requests", 201 if created else 200)


class RequestDetailView(Open311View):
    def get(self, request, request_id, fmt):
        case = _published_cases().filter(number=request_id).first()
        if case is None:
            raise Open311Error(404, _("service_request_id 不存在：%(id)s") % {"id": request_id})
        return render([_RequestWriter(request)(case)], fmt, "service_requests")


class TokenLookupView(Open311View):
    def get(self, request, token, fmt):
        try:
            number = signing.loads(token, salt=TOKEN_SALT)
        except signing.BadSignature:
            number = None
        if not isinstance(number, str) or not Case.objects.filter(number=number).exists():
            raise Open311Error(404, _("token 不存在"))
        return render([{"service_request_id": number, "token": token}], fmt, "service_requests")


def _check_text(data):
    errors = []
    for name, limit in _MAX_LENGTHS.items():
        value = data.get(name)
        if isinstance(value, str) and len(value) > limit:
            errors.append(_("%(name)s 超过 %(limit)d 个字符") % {"name": name, "limit": limit})
    for name in data:
        if any("\x00" in value for value in data.getlist(name) if isinstance(value, str)):
            errors.append(_("%(name)s 含有非法字符") % {"name": name})
    if errors:
        raise Open311Error(400, *errors)


def _attribute_values(data):
    """attribute[code]=value pairs of the service definition; unknown codes are ignored."""
    values = {}
    for key in data:
        match = re.fullmatch(r"attribute\[(\w+)\](\[\])?", key)
        if match:
            value = " ".join(v.strip() for v in data.getlist(key) if isinstance(v, str)).strip()
            if len(value) > _MAX_ATTRIBUTE_LENGTH:
                raise Open311Error(400, _("attribute[%(code)s] 过长") % {"code": match[1]})
            values[match[1]] = value
    return values


def _person_name(data):
    first, last = (data.get("first_name") or "").strip(), (data.get("last_name") or "").strip()
    # Chinese names put the family name first, with no space.
    if re.search(r"[\u4e00-\u9fff]", first + last):
        return last + first
    return f"{first} {last}".strip()


def _validation_messages(exc):
    if hasattr(exc, "error_dict"):
        return [f"{field}: {message}" for field, messages in exc.message_dict.items() for message in messages]
    return exc.messages
