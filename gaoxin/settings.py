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
    "leaflet",
    "axes",
    "deadlines",
    "accounts",
    "grid",
    "notifications",
    "cases",
    "mediation",
    "legalaid",
    "demo",
]

AUTH_USER_MODEL = "accounts.User"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
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
            ],
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
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("GAOXIN_THROTTLE_ANON", "600/minute"),
        "user": env_str("GAOXIN_THROTTLE_USER", "3000/minute"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "gaoxin API",
    "DESCRIPTION": "Grid-management platform for community governance.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The API docs page loads Redoc from our static files, so it works offline.
    "REDOC_DIST": "SIDECAR",
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
