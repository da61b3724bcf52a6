"""Settings for gaoxin, read from environment variables with safe development defaults.

GAOXIN_MODE=production turns on the production checks: a real secret key and explicit
allowed hosts are required, DEBUG stays off unless GAOXIN_DEBUG asks for it.
"""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from gaoxin.env import env_bool, env_float, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

PRODUCTION = env_str("GAOXIN_MODE", "development") == "production"
DEBUG = env_bool("GAOXIN_DEBUG", False)
_DEV_SECRET = "dev-only-insecure-key-do-not-use-in-production"
SECRET_KEY = env_str("GAOXIN_SECRET_KEY", "" if PRODUCTION else _DEV_SECRET)
ALLOWED_HOSTS = env_list("GAOXIN_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])

if PRODUCTION:
    if len(SECRET_KEY) < 32 or SECRET_KEY == _DEV_SECRET:
        raise ImproperlyConfigured("GAOXIN_SECRET_KEY must be set to a random value of 32+ characters in production")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("GAOXIN_ALLOWED_HOSTS must list the site's host names in production")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "rest_framework_gis",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "leaflet",
    "axes",
    "deadlines",
    "accounts",
    "grid",
    "notifications",
    "cases",
    "mediation",
    "legalaid",
    "patrols",
    "api",
    "demo",
    "public",
    "dashboard",
]

AUTH_USER_MODEL = "accounts.User"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "gaoxin.urls"
WSGI_APPLICATION = "gaoxin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gaoxin.context_processors.site",
                "notifications.context_processors.unread_notifications",
            ],
            "builtins": ["gaoxin.punctuation"],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.contrib.gis.db.backends.postgis",
        "NAME": env_str("GAOXIN_DB_NAME", "gaoxin"),
        "USER": env_str("GAOXIN_DB_USER", ""),
        "PASSWORD": env_str("GAOXIN_DB_PASSWORD", ""),
        "HOST": env_str("GAOXIN_DB_HOST", "127.0.0.1"),
        "PORT": env_str("GAOXIN_DB_PORT", "5432"),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        # JIT compilation costs seconds on the KPI aggregates and saves nothing at our sizes.
        "OPTIONS": {"options": "-c jit=off"},
    }
}

REDIS_URL = env_str("GAOXIN_REDIS_URL", "redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env_str("GAOXIN_CACHE_URL", "redis://127.0.0.1:6379/1"),
        "KEY_PREFIX": env_str("GAOXIN_CACHE_PREFIX", "gaoxin"),
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("GAOXIN_MEDIA_ROOT", str(BASE_DIR / "media")))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login lockout (django-axes): after this many failures for one username and address,
# further attempts are refused until the cool-off ends.
AXES_FAILURE_LIMIT = int(env_float("GAOXIN_LOGIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = env_float("GAOXIN_LOGIN_COOLOFF_HOURS", 0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# API clients get the API's error shape, browsers the lockout page.
AXES_LOCKOUT_CALLABLE = "api.lockout.lockout_response"

CELERY_BROKER_URL = env_str("GAOXIN_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must not hang a web request when the broker is down: the periodic
# sweep is the safety net for anything that could not be queued.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
}
CELERY_BEAT_SCHEDULE = {}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("GAOXIN_THROTTLE_ANON", "600/minute"),
        "user": env_str("GAOXIN_THROTTLE_USER", "3000/minute"),
        "api_key": env_str("GAOXIN_THROTTLE_API_KEY", "3000/minute"),
        "login": env_str("GAOXIN_THROTTLE_LOGIN", "30/minute"),
    },
    # Client addresses for anonymous throttling: REMOTE_ADDR unless this many proxies in
    # front of us add X-Forwarded-For (a client could forge the header otherwise).
    "NUM_PROXIES": int(env_float("GAOXIN_NUM_PROXIES", 0)),
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "gaoxin API",
    "DESCRIPTION": "Grid-management platform for community governance.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The API docs page loads Redoc from our static files, so it works offline.
    "REDOC_DIST": "SIDECAR",
    # Every operation documents the error responses it can give, in the one error shape.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_error_responses",
    ],
}

# Base map: OpenStreetMap by default; Tianditu when GAOXIN_TILES=tianditu and a key is set.
GAOXIN_TILES = env_str("GAOXIN_TILES", "osm")
TIANDITU_KEY = env_str("GAOXIN_TIANDITU_KEY", "")
if GAOXIN_TILES == "tianditu" and TIANDITU_KEY:
    _TILES = [
        (
            _("天地图"),
            "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
            "&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
            f"&TILECOL={{x}}&tk={TIANDITU_KEY}",
            {"subdomains": "01234567", "attribution": "天地图"},
        ),
    ]
else:
    _TILES = [
        (
            "OpenStreetMap",
            "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            {"attribution": "&copy; OpenStreetMap contributors", "maxZoom": 19},
        ),
    ]
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (22.40, 113.565),
    "DEFAULT_ZOOM": 12,
    "MIN_ZOOM": 9,
    "MAX_ZOOM": 19,
    "TILES": _TILES,
    "RESET_VIEW": False,
}

# Point -> grid lookup: a point outside every grid but within this distance of one
# snaps to the nearest grid; beyond it the point is rejected.
GRID_SNAP_DISTANCE_M = env_float("GAOXIN_GRID_SNAP_DISTANCE_M", 200.0)
# How long the grid map's data fingerprint (its ETag) is trusted without re-reading it;
# saves through Django renew it at once, other writes show within this many seconds.
GRID_FINGERPRINT_SECONDS = env_float("GAOXIN_GRID_FINGERPRINT_SECONDS", 10.0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("GAOXIN_LOG_LEVEL", "WARNING")},
}

# Debian 12 ships GDAL 3.6; we never open user-supplied spatial references over the
# network (imports are run by administrators from local files).
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# Cases
CASE_MAX_PHOTOS = 5
CASE_PHOTO_MAX_BYTES = int(env_float("GAOXIN_CASE_PHOTO_MAX_MB", 10) * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
# Duplicate check at intake: open cases of the same category this close, this recent.
CASE_DUPLICATE_RADIUS_M = env_float("GAOXIN_CASE_DUPLICATE_RADIUS_M", 50)
CASE_DUPLICATE_DAYS = int(env_float("GAOXIN_CASE_DUPLICATE_DAYS", 7))
# Excel exports stop here; larger lists go to CSV (streamed).
CASE_EXPORT_XLSX_MAX_ROWS = int(env_float("GAOXIN_CASE_EXPORT_XLSX_MAX_ROWS", 100_000))
# Policy: a failed check (rework) gives the unit a fresh handling time limit.
CASE_REWORK_RESTARTS_CLOCK = env_bool("GAOXIN_CASE_REWORK_RESTARTS_CLOCK", True)

# Working calendar (deadlines): office hours that working-time limits count while no
# WorkingHours row is saved in the admin: morning start, morning end, afternoon start, end.
DEADLINES_WORKING_HOURS = env_list("GAOXIN_WORKING_HOURS", ["08:30", "12:00", "14:00", "17:30"])
# Each process rereads holidays and office hours when its copy is this old, so an admin
# edit made in another process is seen within this many seconds.
DEADLINES_CALENDAR_CACHE_SECONDS = env_float("GAOXIN_CALENDAR_CACHE_SECONDS", 60.0)

# Deadlines: warn when this fraction of a stage's time is used; the beat sweep is the
# safety net behind the ETA timers.
DEADLINE_WARNING_FRACTION = env_float("GAOXIN_DEADLINE_WARNING_FRACTION", 0.8)
CELERY_BEAT_SCHEDULE["sweep-deadlines"] = {
    "task": "deadlines.tasks.sweep_deadlines",
    "schedule": env_float("GAOXIN_SWEEP_SECONDS", 60.0),
}
CELERY_TASK_PUBLISH_RETRY = False

# Notifications: the in-app inbox always; these channels as well.
NOTIFICATION_CHANNELS = env_list("GAOXIN_NOTIFICATION_CHANNELS", ["notifications.channels.EmailChannel"])
EMAIL_BACKEND = env_str("GAOXIN_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("GAOXIN_FROM_EMAIL", "gaoxin@localhost")
SITE_URL = env_str("GAOXIN_SITE_URL", "http://127.0.0.1:8000")

# People's mediation (人民调解): local practice. Mediation is normally concluded within one
# month of acceptance; follow-up visits after an agreement, in months. The 30-day window
# for judicial confirmation is statutory (People's Mediation Law Art 33), not a setting.
MEDIATION_ACCEPT_DAYS = env_float("GAOXIN_MEDIATION_ACCEPT_DAYS", 3)
MEDIATION_TIME_LIMIT_DAYS = env_float("GAOXIN_MEDIATION_TIME_LIMIT_DAYS", 30)
MEDIATION_ESCALATE_AFTER_DAYS = env_float("GAOXIN_MEDIATION_ESCALATE_AFTER_DAYS", 7)
MEDIATION_FOLLOW_UP_MONTHS = [int(m) for m in env_list("GAOXIN_MEDIATION_FOLLOW_UP_MONTHS", ["1", "3"])]
MEDIATION_DOCUMENT_MAX_BYTES = int(env_float("GAOXIN_MEDIATION_DOCUMENT_MAX_MB", 10) * 1024 * 1024)
# Public application and tracking forms: submissions per client address per hour.
MEDIATION_PUBLIC_RATE_PER_HOUR = int(env_float("GAOXIN_MEDIATION_PUBLIC_RATE_PER_HOUR", 30))

# API (api/): login tokens expire after this many hours; CORS stays closed unless origins
# are listed (e.g. a separate web front end).
API_TOKEN_LIFETIME_HOURS = env_float("GAOXIN_API_TOKEN_HOURS", 24 * 7)
CORS_ALLOWED_ORIGINS = env_list("GAOXIN_CORS_ORIGINS", [])
CORS_URLS_REGEX = r"^/(api|open311)/.*$"
# Outbound webhooks: per-attempt timeout, backoff from base doubling up to max, and how
# long after the event a delivery is retried before it is abandoned (and can be requeued
# in the admin).
WEBHOOK_TIMEOUT_SECONDS = env_float("GAOXIN_WEBHOOK_TIMEOUT_SECONDS", 10)
WEBHOOK_RETRY_BASE_SECONDS = env_float("GAOXIN_WEBHOOK_RETRY_BASE_SECONDS", 30)
WEBHOOK_RETRY_MAX_SECONDS = env_float("GAOXIN_WEBHOOK_RETRY_MAX_SECONDS", 3600)
WEBHOOK_GIVE_UP_HOURS = env_float("GAOXIN_WEBHOOK_GIVE_UP_HOURS", 72)
CELERY_BEAT_SCHEDULE["retry-due-webhooks"] = {"task": "api.tasks.retry_due_webhooks", "schedule": 60.0}
# Open311 GeoReport v2 (/open311/v2/): the one jurisdiction served, and the discovery
# document's fields.
OPEN311_JURISDICTION_ID = env_str("GAOXIN_OPEN311_JURISDICTION_ID", "gaoxin.gov.cn")
OPEN311_CHANGESET = env_str("GAOXIN_OPEN311_CHANGESET", "2026-11-27 00:00")
OPEN311_ENDPOINT_TYPE = env_str("GAOXIN_OPEN311_ENDPOINT_TYPE", "production")
OPEN311_CONTACT = env_str("GAOXIN_OPEN311_CONTACT", "高新区综合指挥平台 / Gaoxin command centre")
OPEN311_KEY_SERVICE = env_str(
    "GAOXIN_OPEN311_KEY_SERVICE", "API 密钥由平台管理员在后台为每个外部系统生成 / keys are issued by the administrators"
)

# Patrols: a track point that would need more than this speed (metres per second) from
# the last kept point is an impossible jump (a walking or cycling officer); points with a
# worse reported accuracy than this (metres) are kept out of the track too.
PATROL_MAX_SPEED_MPS = env_float("GAOXIN_PATROL_MAX_SPEED_MPS", 12.0)
PATROL_MAX_ACCURACY_M = env_float("GAOXIN_PATROL_MAX_ACCURACY_M", 100.0)
PATROL_MAX_POINTS_PER_UPLOAD = int(env_float("GAOXIN_PATROL_MAX_POINTS_PER_UPLOAD", 5000))
# Phones' clocks drift: a point this many seconds outside its patrol's time still counts.
PATROL_CLOCK_SKEW_SECONDS = env_float("GAOXIN_PATROL_CLOCK_SKEW_SECONDS", 120.0)
# Patrols a grid needs per day when it has no GridPatrolRequirement row in the admin.
PATROL_DEFAULT_VISITS_PER_DAY = int(env_float("GAOXIN_PATROL_DEFAULT_VISITS_PER_DAY", 1))
# A hazard's rectification deadline escalates (tells the supervisors) this long after it is due.
HAZARD_ESCALATE_AFTER_HOURS = env_float("GAOXIN_HAZARD_ESCALATE_AFTER_HOURS", 24.0)
# Days to rectify a hazard found on patrol away from any registered place (a place's type
# sets its own, in the admin).
HAZARD_DEFAULT_RECTIFY_DAYS = int(env_float("GAOXIN_HAZARD_DEFAULT_RECTIFY_DAYS", 7))

# Public pages (居民服务): complaints at most PUBLIC_REPORT_LIMIT per address and per phone
# number, and form posts or tracking look-ups at most PUBLIC_ATTEMPT_LIMIT per address,
# in each window of PUBLIC_RATE_WINDOW_SECONDS. A complaint form sent sooner than
# PUBLIC_FORM_MIN_SECONDS after it was opened is taken for a robot's.
PUBLIC_REPORT_LIMIT = int(env_float("GAOXIN_PUBLIC_REPORT_LIMIT", 5))
PUBLIC_ATTEMPT_LIMIT = int(env_float("GAOXIN_PUBLIC_ATTEMPT_LIMIT", 20))
PUBLIC_RATE_WINDOW_SECONDS = env_float("GAOXIN_PUBLIC_RATE_WINDOW_SECONDS", 600)
PUBLIC_FORM_MIN_SECONDS = env_float("GAOXIN_PUBLIC_FORM_MIN_SECONDS", 3)
# The public case map: the newest PUBLIC_MAP_MAX_CASES cases of the last PUBLIC_MAP_DAYS
# days, served from the cache.
PUBLIC_MAP_DAYS = int(env_float("GAOXIN_PUBLIC_MAP_DAYS", 30))
PUBLIC_MAP_MAX_CASES = int(env_float("GAOXIN_PUBLIC_MAP_MAX_CASES", 2000))
PUBLIC_MAP_CACHE_SECONDS = env_float("GAOXIN_PUBLIC_MAP_CACHE_SECONDS", 300)
# Command-centre dashboard: its aggregates are recomputed at most this often.
DASHBOARD_CACHE_SECONDS = env_float("GAOXIN_DASHBOARD_CACHE_SECONDS", 60)

# Legal aid (法律援助): the statutory periods (Legal Aid Law Art 36, 43, 49) are in
# legalaid.clocks; these are the district's own practice. Green channel: a lawyer within
# this many office hours once identity qualifies (3.5 = half a working day with the default
# hours), the papers within this many calendar days. A standard request for missing papers
# gives this many days by default.
LEGALAID_GREEN_ASSIGN_HOURS = env_float("GAOXIN_LEGALAID_GREEN_ASSIGN_HOURS", 3.5)
LEGALAID_GREEN_PAPERS_DAYS = int(env_float("GAOXIN_LEGALAID_GREEN_PAPERS_DAYS", 7))
LEGALAID_PAPERS_DAYS = int(env_float("GAOXIN_LEGALAID_PAPERS_DAYS", 15))
LEGALAID_PAPER_MAX_BYTES = int(env_float("GAOXIN_LEGALAID_PAPER_MAX_MB", 10) * 1024 * 1024)
LEGALAID_MAX_PAPERS_PER_UPLOAD = int(env_float("GAOXIN_LEGALAID_MAX_PAPERS_PER_UPLOAD", 10))
# Public application and tracking forms: submissions per client address per hour.
LEGALAID_PUBLIC_RATE_PER_HOUR = int(env_float("GAOXIN_LEGALAID_PUBLIC_RATE_PER_HOUR", 30))
# The duty roster is checked this many days ahead for communities without an adviser.
LEGALAID_ROSTER_LOOKAHEAD_DAYS = int(env_float("GAOXIN_LEGALAID_ROSTER_LOOKAHEAD_DAYS", 14))
CELERY_BEAT_SCHEDULE["legalaid-roster-gaps"] = {"task": "legalaid.tasks.flag_roster_gaps", "schedule": 3600.0}
# Names printed on refusal letters.
LEGALAID_CENTRE_NAME = env_str("GAOXIN_LEGALAID_CENTRE_NAME", "高新区法律援助中心")
LEGALAID_REVIEW_AUTHORITY = env_str("GAOXIN_LEGALAID_REVIEW_AUTHORITY", "高新区司法局")
# The schema's name for the papers' choice set, used by several legal-aid fields.
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {})["LegalAidPaperKindEnum"] = "legalaid.models.PaperKind"
# The schema's names for the patrols' choice sets that share a field name with others.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "HazardStateEnum": "patrols.models.HazardState",
        "HazardSourceEnum": "patrols.models.HazardSource",
        "VisitKindEnum": "patrols.models.Visit.Kind",
        "WorkLogKindEnum": "patrols.models.WorkLogEntry.Kind",
    }
)
