"""Settings for the 民心榜 portal: one module, driven by the environment.

Every value a deployment changes comes from an environment variable. With
DEBUG off the portal is in production unless PORTAL_ENV=development (the test
suite is a development environment): production refuses to start without its
own SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL. `make run` writes a generated
key and the local hosts and database into var/services.env, so development
needs no configuration.

Over 400 lines on purpose: one settings module driven by the environment is
the rule (STYLE.md point 12), so every app's settings live here, in sections
by concern (database, Redis, accounts, static and media, API, tasks,
security, operations, then each app's), each saying which variables set it.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PORTAL_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# Under pytest, static files are served unhashed (no collectstatic needed).
TESTING = "pytest" in sys.modules
PORTAL_ENV = os.environ.get("PORTAL_ENV", "development" if TESTING else "production")
if PORTAL_ENV not in {"production", "development"}:
    raise ImproperlyConfigured(f"PORTAL_ENV must be 'production' or 'development', not {PORTAL_ENV!r}.")
PRODUCTION = PORTAL_ENV == "production" and not DEBUG
DEVELOPMENT_SECRET_KEY = "dev-insecure-minxinbang-portal-key-change-me"


def require_production_environment() -> None:
    """A deployment that forgot one of these would sign sessions with a public
    key, answer any Host header or write to a database nobody chose."""
    missing = [name for name in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL") if not os.environ.get(name, "").strip()]
    if os.environ.get("SECRET_KEY") == DEVELOPMENT_SECRET_KEY:
        missing.insert(0, "SECRET_KEY (its own, not the development key)")
    if missing:
        raise ImproperlyConfigured(
            "The portal refuses to start in production (DEBUG off) without "
            + ", ".join(missing)
            + ". Set them in the environment (README, Production); for development run `make run`, "
            "which writes them into var/services.env, or set PORTAL_ENV=development."
        )


if PRODUCTION:
    require_production_environment()
SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Baseline views for bench/ (never on in production).
PORTAL_BENCH_ENDPOINTS = env_bool("PORTAL_BENCH_ENDPOINTS", False)
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "portal.adminsite.PortalAdminConfig",  # django.contrib.admin, for superusers only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    "django_htmx",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.weixin",
    "procrastinate.contrib.django",
    "csp",
    "django_guid",
    "django_prometheus",
    "portal",
    "cases",
    "voting",
    "appeals",
    "demo",
]

MIDDLEWARE = [
    # The client's address behind trusted proxies, before anything reads it.
    "portal.proxies.ClientAddressMiddleware",
    # Operating (README): request metrics (django-prometheus, first and
    # last), the request id (django-guid) and one log line per request.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django_guid.middleware.guid_middleware",
    "portal.requestlog.RequestLogMiddleware",
    # Drops connections a PostgreSQL restart closed, and answers 503 when
    # the database fails under a view (portal.outages).
    "portal.outages.DatabaseOutageMiddleware",
    # Public read-heavy pages may read the standby; writers read their
    # writes from the primary (portal.dbrouting). Inert without a replica.
    "portal.dbrouting.ReadRoutingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # django-csp's middleware, its header kept per process (issue 17).
    "portal.middleware.CachedCSPMiddleware",
    "portal.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.PortalLocaleMiddleware",
    "portal.middleware.RejectNulCharacterMiddleware",
    "portal.middleware.RequestSizeLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "portal.ratelimits.RateLimitMiddleware",
    "portal.middleware.StaffSessionMiddleware",
    "portal.middleware.StaffSecondFactorMiddleware",
    "portal.middleware.CodeRateLimitMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # Last, so the first to see a view's exception: every refusal
    # (portal.exceptions) becomes its error page, htmx fragment or JSON body.
    "portal.errors.RefusalMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
AUTH_USER_MODEL = "portal.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "portal.context_processors.portal",
            ],
            "builtins": ["portal.templatetags.portal_time"],
        },
    },
]

# --- PostgreSQL (psycopg 3) ---------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal")
# The standby for public reads (portal.dbrouting): unset, everything reads the
# primary. Reads that must see the latest write never go there.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "").strip()


def behind_pgbouncer(url: str) -> bool:
    """PGBOUNCER=1/0 says so; unset, PgBouncer's own port (6432) says so."""
    if os.environ.get("PGBOUNCER", "").strip():
        return env_bool("PGBOUNCER")
    return dj_database_url.parse(url).get("PORT") in (6432, "6432")


PGBOUNCER = behind_pgbouncer(DATABASE_URL)
# PgBouncer ≥ 1.21 with max_prepared_statements keeps protocol-level prepared
# statements across its transaction pooling; Debian 12's 1.18 does not.
PGBOUNCER_PREPARED_STATEMENTS = PGBOUNCER and env_bool("PGBOUNCER_PREPARED_STATEMENTS", False)
# The vote statement is prepared on the server (voting/services/casting.py: planning it
# cost as much as running it) unless a PgBouncer in front cannot keep it.
PORTAL_PREPARE_VOTE = not PGBOUNCER or PGBOUNCER_PREPARED_STATEMENTS
if PGBOUNCER and env_bool("PORTAL_DB_POOL", False):
    raise ImproperlyConfigured(
        "PORTAL_DB_POOL and PGBOUNCER together pool twice: PgBouncer is the pool; unset PORTAL_DB_POOL (README, Production)."
    )


def database_settings(url: str) -> dict:
    """One alias's settings. Persistent connections without a per-request
    health check: the check is a `SELECT 1` round trip on every request and
    halved the signed-in throughput in bench/servers.py; portal.outages drops
    connections the server closed (a socket poll, no round trip) and answers
    503 when one fails mid-request."""
    database = dj_database_url.parse(url, conn_health_checks=env_bool("CONN_HEALTH_CHECKS", False))
    options = database.setdefault("OPTIONS", {})
    pgbouncer = behind_pgbouncer(url)
    if env_bool("PORTAL_DB_POOL", False):
        # psycopg's pool instead of persistent connections (bench/servers.py
        # measures both on the vote path); refused behind PgBouncer above.
        database["CONN_MAX_AGE"] = 0
        options["pool"] = {
            "min_size": int(os.environ.get("PORTAL_DB_POOL_MIN", "2")),
            "max_size": int(os.environ.get("PORTAL_DB_POOL_MAX", "8")),
        }
    else:
        # Behind PgBouncer too: one persistent client connection per thread
        # to the local PgBouncer (cheap there); PgBouncer pools the servers.
        database["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "600"))
    if pgbouncer:
        # Transaction pooling hands each transaction any server connection:
        # no server-side prepared statement (psycopg's automatic ones off) and
        # no server-side cursor (a named cursor outlives its transaction).
        options["prepare_threshold"] = None
        database["DISABLE_SERVER_SIDE_CURSORS"] = True
    else:
        # Django binds parameters on the client and turns psycopg's prepared
        # statements off (prepare_threshold None). The vote statement asks for
        # preparation explicitly; a threshold no query reaches keeps every
        # other query as it was.
        options["prepare_threshold"] = int(os.environ.get("PREPARE_THRESHOLD", str(2**31 - 1)))
    return database


DATABASES = {"default": database_settings(DATABASE_URL)}
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME", "test_portal")}
# The standby, as alias "replica". Under pytest it always exists as a TEST
# mirror of default (one PostgreSQL), and routing to it is off unless a test
# turns it on (tests/portal/test_dbrouting.py).
if DATABASE_REPLICA_URL or TESTING:
    DATABASES["replica"] = database_settings(DATABASE_REPLICA_URL or DATABASE_URL)
    # An unreachable standby costs a request at most this long before reads go to the primary.
    DATABASES["replica"]["OPTIONS"].setdefault("connect_timeout", int(os.environ.get("REPLICA_CONNECT_TIMEOUT", "2")))
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
# The alias public read-heavy pages may read from ("" reads the primary only).
PORTAL_READ_REPLICA = "replica" if DATABASE_REPLICA_URL and not TESTING else ""
# After any write (a POST, PUT, PATCH or DELETE) the same browser or API
# client reads the primary for this long: the standby may not have replayed it yet.
PORTAL_READ_YOUR_WRITES_SECONDS = int(os.environ.get("READ_YOUR_WRITES_SECONDS", "10"))
# Seconds a process sends reads to the primary after the standby failed.
PORTAL_REPLICA_RETRY_SECONDS = int(os.environ.get("REPLICA_RETRY_SECONDS", "10"))
DATABASE_ROUTERS = ["portal.dbrouting.PrimaryReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, sessions, rate-limit counters -----------------------------
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        # django-redis: INCR is one atomic command there, so a rate-limit
        # counter never loses its expiry between an existence check and the
        # increment (Django's built-in RedisCache.incr does it in two steps).
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "portal"),
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "SOCKET_CONNECT_TIMEOUT": 1,
            "SOCKET_TIMEOUT": 1,
            # Browsing survives a Redis outage (sessions fall back to the
            # database); paths that must fail closed, like voting, check
            # Redis explicitly.
            "IGNORE_EXCEPTIONS": True,
        },
    }
}
# Redis behind Sentinel (the cluster, docs/cluster.md): REDIS_SENTINELS lists
# the Sentinels as host:port,host:port and REDIS_URL names the service
# (redis://portal/0). Sentinel says which node is primary now and the client
# follows a failover. Reads go to the primary too (DefaultClient, not
# django-redis' SentinelClient): a replica may not have the session or the
# counter this request just wrote.
REDIS_SENTINELS = [
    (host, int(port))
    for host, port in (item.strip().rsplit(":", 1) for item in os.environ.get("REDIS_SENTINELS", "").split(",") if item.strip())
]
if REDIS_SENTINELS:
    CACHES["default"]["OPTIONS"].update({
        "CONNECTION_FACTORY": "django_redis.pool.SentinelConnectionFactory",
        "SENTINELS": REDIS_SENTINELS,
        "SENTINEL_KWARGS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    })
# Rate-limit counters: the same Redis, but errors are raised, not ignored, so
# that a guarded path (voting) can fail closed when Redis is down.
CACHES["ratelimit"] = {
    **CACHES["default"],
    "OPTIONS": {**CACHES["default"]["OPTIONS"], "IGNORE_EXCEPTIONS": False},
}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_CACHE_ALIAS = "default"
RATELIMIT_USE_CACHE = "ratelimit"
# The load balancers / reverse proxies whose X-Forwarded-For is believed
# (addresses or networks; empty = none): portal.proxies sets REMOTE_ADDR to
# the client they name, so per-IP limits count residents, not the balancer.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")
for _entry in TRUSTED_PROXIES:
    ipaddress.ip_network(_entry, strict=False)  # a typo fails at start, not silently
RATELIMIT_VIEW = "portal.views.rate_limited"

# --- Passwords and authentication --------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # Hashing strength is not under test; PBKDF2 would dominate the suite's time.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "portal.auth_backends.PortalAuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# django-allauth: residents sign up with an email address or a mobile number,
# no password, and confirm a one-time code; later sign-ins are by code too.
ACCOUNT_ADAPTER = "portal.adapters.PortalAccountAdapter"
SOCIALACCOUNT_ADAPTER = "portal.adapters.PortalSocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email", "phone"}
# Email is listed as required for allauth's checks; ResidentSignupForm
# relaxes it (allauth's `email_required` form argument) and asks for an
# email address or a phone number instead.
ACCOUNT_SIGNUP_FIELDS = ["email*", "phone"]
ACCOUNT_FORMS = {"signup": "portal.forms.ResidentSignupForm"}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_MAX_ATTEMPTS = 3
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 3
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 5 * 60
ACCOUNT_PHONE_VERIFICATION_ENABLED = True
ACCOUNT_PHONE_VERIFICATION_MAX_ATTEMPTS = 3
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = True
# "strict": an unverified e-mail address reserves nothing, so a second
# account may sign up with it (the first to verify it keeps it; allauth's
# unique_verified_email index holds that). ResidentSignupForm still treats a
# verified address as taken, answering alike and mailing its owner.
ACCOUNT_PREVENT_ENUMERATION = "strict"
ACCOUNT_RATE_LIMITS = {
    # Codes are cheap to request and expensive to deliver (an SMS costs
    # money): per number or address ("key": one victim bombed from many IPs)
    # and per IP (one sender cycling through many numbers). Per IP stays
    # generous enough for residents behind one carrier-grade NAT address.
    "request_login_code": os.environ.get("LOGIN_CODE_RATE", "10/m/ip,100/h/ip,3/5m/key,10/h/key,20/d/key"),
    "verify_phone": os.environ.get("PHONE_CODE_RATE", "5/m/ip,30/h/ip,1/30s/key,5/h/key,10/d/key"),
    "login_failed": "10/m/ip,5/5m/key",
    "signup": os.environ.get("SIGNUP_RATE", "5/m/ip,30/h/ip"),
    "confirm_email": os.environ.get("EMAIL_CODE_RATE", "10/m/ip,1/30s/key,10/d/key"),
}
# User.email (the USERNAME_FIELD) is unique only once verified (allauth's
# EmailAddress), so that an unverified claim blocks nobody; allauth's
# authentication backend looks accounts up by verified address first.
SILENCED_SYSTEM_CHECKS = ["auth.W004"]
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "民心榜"
# Roles that must hold a second factor before they can use the portal: every
# staff role (residents may enrol).
PORTAL_SECOND_FACTOR_ROLES = {"organiser", "dispatcher", "unit_staff", "reviewer", "portal_admin"}
# Sensitive actions (revealing a resident's contact, voiding ballots,
# publishing results, exporting personal data, creating API tokens) ask for
# the password or the second factor again when the last authentication in the
# session is older than this (portal.reauth).
PORTAL_REAUTHENTICATION_SECONDS = 15 * 60
# A staff invitation's link works once, for this long (portal.administration).
PORTAL_INVITATION_HOURS = int(os.environ.get("PORTAL_INVITATION_HOURS", "72"))
ACCOUNT_REAUTHENTICATION_TIMEOUT = PORTAL_REAUTHENTICATION_SECONDS
# Staff sessions end 8 hours after sign-in, or after 30 minutes without a
# request (portal.middleware.StaffSessionMiddleware); residents keep the
# remembered session.
PORTAL_STAFF_SESSION_SECONDS = 8 * 3600
PORTAL_STAFF_IDLE_SECONDS = 30 * 60

# WeChat sign-in is wired but offered only when its keys are configured.
WEIXIN_APP_ID = os.environ.get("WEIXIN_APP_ID", "")
WEIXIN_APP_SECRET = os.environ.get("WEIXIN_APP_SECRET", "")
WEIXIN_ENABLED = bool(WEIXIN_APP_ID and WEIXIN_APP_SECRET)
SOCIALACCOUNT_PROVIDERS = {
    "weixin": {
        "SCOPE": ["snsapi_login"],
        "APPS": (
            [{"client_id": WEIXIN_APP_ID, "secret": WEIXIN_APP_SECRET, "key": ""}]
            if WEIXIN_ENABLED
            else []
        ),
    }
}

# --- Email and SMS ------------------------------------------------------------
# In development both go to the console and to one JSON-lines outbox file that
# the demo and the tests read (portal.outbox).
PORTAL_OUTBOX_FILE = Path(os.environ.get("PORTAL_OUTBOX_FILE", VAR_DIR / "outbox.jsonl"))
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "portal.outbox.OutboxEmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "民心榜 <noreply@minxinbang.example>")
SMS_BACKEND = os.environ.get("SMS_BACKEND", "portal.sms.OutboxSmsBackend")

# --- Internationalisation -----------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["portal.formats"]  # zh_Hans: thousands as 3,335,896
LANGUAGE_COOKIE_NAME = "portal_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Public uploads (case photos, campaign covers) under MEDIA_ROOT at MEDIA_URL;
# private ones (appeal photos) under PRIVATE_MEDIA_ROOT, only through views
# that check who asks (portal/media.py).
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", VAR_DIR / "private"))
# Uploads on S3-compatible object storage (django-storages) with
# MEDIA_STORAGE=s3; on this machine's disk otherwise (README, Production).
MEDIA_STORAGE = os.environ.get("MEDIA_STORAGE", "filesystem").strip().lower() or "filesystem"
if MEDIA_STORAGE not in {"filesystem", "s3"}:
    raise ImproperlyConfigured(f"MEDIA_STORAGE must be 's3' or 'filesystem', not {MEDIA_STORAGE!r}.")
# Django serves MEDIA_ROOT itself unless nginx or object storage does (off).
SERVE_PUBLIC_MEDIA = env_bool("SERVE_PUBLIC_MEDIA", MEDIA_STORAGE == "filesystem")
# Behind nginx: the `internal` location aliasing PRIVATE_MEDIA_ROOT (e.g.
# /protected-media/); checked views then answer with X-Accel-Redirect.
PRIVATE_MEDIA_ACCEL_REDIRECT = os.environ.get("PRIVATE_MEDIA_ACCEL_REDIRECT", "")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "portal.media.PrivateStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING or env_bool("PORTAL_PLAIN_STATIC", False)
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Private files on object storage are handed out, after the permission
# check, as a redirect to a signed URL valid this long (portal.media).
PRIVATE_MEDIA_URL_SECONDS = int(os.environ.get("PRIVATE_MEDIA_URL_SECONDS", "300"))
# Origins images come from besides the portal (the buckets), for the CSP.
MEDIA_ORIGINS: list[str] = []


def s3_settings() -> tuple[dict, dict, list[str]]:
    """The public and the private S3 storages' options, and their origins.

    Public uploads: AWS_STORAGE_BUCKET_NAME (under AWS_LOCATION), each object
    public-read, plain URLs. Private ones: AWS_PRIVATE_STORAGE_BUCKET_NAME
    (default: the same bucket) under AWS_PRIVATE_LOCATION (default
    "private" in a shared bucket), never public, signed expiring URLs only.
    """
    missing = [name for name in ("AWS_STORAGE_BUCKET_NAME",) if not os.environ.get(name, "").strip()]
    if missing:
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs " + ", ".join(missing) + " (README, Production).")
    endpoint = os.environ.get("AWS_S3_ENDPOINT_URL", "").strip() or None
    region = os.environ.get("AWS_S3_REGION_NAME", "").strip() or None
    # MinIO answers path-style by default, Alibaba OSS only virtual-hosted.
    addressing = os.environ.get("AWS_S3_ADDRESSING_STYLE", "path" if endpoint else "virtual")
    bucket = os.environ["AWS_STORAGE_BUCKET_NAME"].strip()
    private_bucket = os.environ.get("AWS_PRIVATE_STORAGE_BUCKET_NAME", "").strip() or bucket
    common = {
        "access_key": os.environ.get("AWS_ACCESS_KEY_ID") or None,
        "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
        "endpoint_url": endpoint,
        "region_name": region,
        "addressing_style": addressing,
        "signature_version": os.environ.get("AWS_S3_SIGNATURE_VERSION", "s3v4"),
        "file_overwrite": False,
    }
    custom_domain = os.environ.get("AWS_S3_CUSTOM_DOMAIN", "").strip() or None
    public = {**common, "bucket_name": bucket, "location": os.environ.get("AWS_LOCATION", ""),
              "default_acl": os.environ.get("AWS_DEFAULT_ACL", "public-read") or None,
              "querystring_auth": False, "custom_domain": custom_domain}
    private = {**common, "bucket_name": private_bucket,
               "location": os.environ.get("AWS_PRIVATE_LOCATION", "private" if private_bucket == bucket else ""),
               "default_acl": "private", "querystring_auth": True,
               "querystring_expire": PRIVATE_MEDIA_URL_SECONDS}

    def origin(name: str, domain: str | None = None) -> str:
        if domain:
            return f"https://{domain}"
        from urllib.parse import urlsplit

        base = urlsplit(endpoint or f"https://s3.{region or 'us-east-1'}.amazonaws.com")
        host = f"{name}.{base.netloc}" if addressing == "virtual" else base.netloc
        return f"{base.scheme}://{host}"

    origins = sorted({origin(bucket, custom_domain), origin(private_bucket)})
    return public, private, origins


if MEDIA_STORAGE == "s3":
    _public, _private, MEDIA_ORIGINS = s3_settings()
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": _public}
    STORAGES["private"] = {"BACKEND": "portal.objectstorage.PrivateS3Storage", "OPTIONS": _private}
WHITENOISE_USE_FINDERS = DEBUG

# --- REST API -----------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so that a missing or bad token answers 401 with
        # WWW-Authenticate rather than 403. Both classes apply the staff
        # second-factor rule after authenticating (portal.authentication).
        "portal.authentication.ApiTokenAuthentication",
        "portal.authentication.PortalSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    # Adds the refusals every operation can answer (portal.schema).
    "DEFAULT_SCHEMA_CLASS": "portal.schema.PortalAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "portal.pagination.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "portal.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "民心榜 Portal API",
    "DESCRIPTION": "Appeals, the 市民点赞榜 case registry, public voting and expert scoring.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One stable name per choice set shared by several serializers.
    "ENUM_NAME_OVERRIDES": {
        "CaseEntryStateEnum": "cases.enums.EntryState",
        "CaseEntryActionEnum": "cases.enums.EntryAction",
        "PhaseKindEnum": "cases.enums.PhaseKind",
        "TrackKindEnum": "cases.enums.TrackKind",
    },
}

# django-rest-knox: hashed tokens with expiry, one row per token (portal.ApiToken).
KNOX_TOKEN_MODEL = "portal.ApiToken"
REST_KNOX = {
    "TOKEN_MODEL": KNOX_TOKEN_MODEL,
    "TOKEN_TTL": timedelta(days=30),
    "AUTO_REFRESH": False,
    # Recognisable in logs and secret scanners; knox hashes prefix and all.
    "TOKEN_PREFIX": "mxb_",
}

# --- Background work (procrastinate on PostgreSQL) ----------------------------
PROCRASTINATE_AUTODISCOVER_MODULE_NAME = "tasks"
# Counts failed task runs for Prometheus (portal.metrics).
PROCRASTINATE_ON_APP_READY = "portal.metrics.on_app_ready"
# A worker counts as alive when its heartbeat is younger than this.
PORTAL_WORKER_STALE_SECONDS = 60
# --- Faults and readiness (issue 16) ---
# /readyz answers 503 when more jobs than this are due and waiting.
PORTAL_READY_MAX_QUEUE_DEPTH = int(os.environ.get("PORTAL_READY_MAX_QUEUE_DEPTH", "1000"))
# /readyz needs a live task worker (on one machine: this machine's). Behind a
# balancer with workers on every node, 0: a web node serves without one, and
# after a database failover, when every worker restarts at once, the balancer
# would otherwise take the whole web tier out until one has registered
# (bench/cluster.py). /healthz still reports the workers; so does /readyz.
PORTAL_READY_REQUIRES_WORKER = env_bool("PORTAL_READY_REQUIRES_WORKER", True)

# --- Security -----------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY") else None
# No referrer leaves the portal (a tracking number in a URL stays here).
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (django-csp 4): every script, style, font and image
# comes from the portal itself; no inline script, no eval (htmx's hx-on and
# event filters included), no plugins, no framing. Inline SVG charts carry no
# <style> (portal.charts.clean; static/portal/css/charts.css instead). The
# API's ReDoc page relaxes style-src for itself only (portal/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # data: for allauth's TOTP QR code and Swagger UI's icons.
        # and the buckets of uploads on object storage (MEDIA_ORIGINS).
        "img-src": [SELF, "data:", *MEDIA_ORIGINS],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        # WeChat sign-in posts to allauth, which redirects to WeChat's page.
        "form-action": [SELF, *(["https://open.weixin.qq.com"] if WEIXIN_ENABLED else [])],
    },
}
# Browser features: the appeal form asks for the location (same origin only);
# photos come from a file input (capture=), which needs no camera permission.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(self), payment=(), usb=()"

# --- Operating: logs, request ids, metrics, error reports (README) ------------
# Logs go to stderr, one JSON object a line (LOG_FORMAT=plain for a terminal),
# each carrying the request's id; portal.requests writes one line per request
# (REQUEST_LOG_LEVEL=WARNING turns those off).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "portal.requestlog.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(levelname)s %(name)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",  # ISO 8601, UTC
            "json_ensure_ascii": False,
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "procrastinate": {"level": "WARNING"},
        "django_guid": {"level": "WARNING"},
        "portal.requests": {"level": os.environ.get("REQUEST_LOG_LEVEL", "INFO")},
    },
}
# django-guid: the load balancer's X-Request-ID when it is a UUID, else a new
# one; returned in the X-Request-ID header.
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": True,
    "UUID_FORMAT": "string",
    "EXPOSE_HEADER": False,
}
# /metrics (portal.metrics): direct connections from these addresses, or
# `Authorization: Bearer $METRICS_TOKEN` from anywhere.
METRICS_ALLOWED_IPS = set(env_list("METRICS_ALLOWED_IPS", "127.0.0.1,::1"))
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# Migrations are /readyz's business; django-prometheus would query them at start.
PROMETHEUS_EXPORT_MIGRATIONS = False
# Errors to Sentry (portal.errortracking) when SENTRY_DSN is set: no
# residents' contacts, tagged with the request id; release = the git commit.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "").strip()
if SENTRY_DSN:
    from portal.errortracking import init_sentry
    from portal.release import git_commit

    init_sentry(
        dsn=SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", PORTAL_ENV),
        release=os.environ.get("SENTRY_RELEASE") or git_commit(),
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
    )

# One-time codes are six digits, as Chinese residents expect from SMS.
ALLAUTH_USER_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}

# --- Uploaded images (portal.images) ----------------------------------------
PORTAL_IMAGE_MAX_BYTES = int(os.environ.get("PORTAL_IMAGE_MAX_BYTES", str(10 * 1024 * 1024)))
PORTAL_IMAGE_MAX_SIDE = int(os.environ.get("PORTAL_IMAGE_MAX_SIDE", "8000"))
PORTAL_IMAGE_STORED_SIDE = 1920
PORTAL_IMAGE_THUMB_SIDE = 480
# Pixels, read from the header before decoding: any image (a 50 MP phone photo
# fits); what decoding may produce for one image (a JPEG is decoded at a
# reduced scale, a PNG/WebP/GIF at full size, 4 bytes a pixel: 16 M pixels,
# 4,000 × 4,000, is 64 MB); and for all the photos of one request.
PORTAL_IMAGE_MAX_PIXELS = int(os.environ.get("PORTAL_IMAGE_MAX_PIXELS", "52000000"))
PORTAL_IMAGE_MAX_DECODED_PIXELS = int(os.environ.get("PORTAL_IMAGE_MAX_DECODED_PIXELS", "16000000"))
PORTAL_IMAGE_REQUEST_PIXELS = int(os.environ.get("PORTAL_IMAGE_REQUEST_PIXELS", "60000000"))
# Threads that decode and re-encode images in one process, whatever its web
# threads: all pixel work runs there, which bounds a web worker's memory under
# a burst of uploads (portal.images, bench/uploads.py).
PORTAL_IMAGE_DECODES_PER_PROCESS = int(os.environ.get("PORTAL_IMAGE_DECODES_PER_PROCESS", "1"))
# A whole request (nine photos and the form), refused with 413 from its
# Content-Length before any of it is read (portal.middleware.RequestSizeLimitMiddleware).
PORTAL_REQUEST_MAX_BYTES = int(os.environ.get("PORTAL_REQUEST_MAX_BYTES", str(40 * 1024 * 1024)))
# More files than this in one request is refused by Django before parsing on.
DATA_UPLOAD_MAX_NUMBER_FILES = 20
# Requests larger than this are refused before any view runs (9 photos + form).
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Appeals (appeals app) ----------------------------------------------------
# Dispatch deadline from intake, by urgency (urgent 30 min, general 2 h).
APPEALS_DISPATCH_MINUTES = {"urgent": 30, "general": 120}
# Route without the dispatch centre when the responsibility list is unambiguous.
APPEALS_AUTO_DISPATCH = env_bool("APPEALS_AUTO_DISPATCH", True)
# A unit may return an appeal within this many hours of dispatch; after it the
# unit that received it is responsible (首接负责).
APPEALS_RETURN_WINDOW_HOURS = int(os.environ.get("APPEALS_RETURN_WINDOW_HOURS", "24"))
# "Due soon" starts this many hours before the deadline (at most a quarter of the time given).
APPEALS_DUE_SOON_HOURS = int(os.environ.get("APPEALS_DUE_SOON_HOURS", "24"))
APPEALS_MAX_PHOTOS = 9
# The dispatch centre's catalogue and responsibility-list files (appeals.services.catalogue_io):
# the upload, and what an .xlsx may unpack to (a zip bomb is refused before it is read).
APPEALS_CATALOGUE_MAX_BYTES = int(os.environ.get("APPEALS_CATALOGUE_MAX_BYTES", str(5 * 1024 * 1024)))
APPEALS_CATALOGUE_MAX_UNPACKED_BYTES = int(os.environ.get("APPEALS_CATALOGUE_MAX_UNPACKED_BYTES", str(100 * 1024 * 1024)))
# Dongguan's bounding box (south, west, north, east) for browser coordinates.
APPEALS_CITY_BBOX = (22.60, 113.50, 23.20, 114.30)
APPEALS_TRACKING_PREFIX = os.environ.get("APPEALS_TRACKING_PREFIX", "DG")
# What a newly verified phone number also brings, each called with (user=,
# phone=) inside portal.services.verify_phone's transaction: the apps build
# on portal, which names their actions here rather than importing them back.
PORTAL_PHONE_VERIFIED_ACTIONS = ["appeals.services.intake.attach_appeals_by_phone"]

# --- Accounts (allauth): the portal's forms, messages and code lifetimes ------
ACCOUNT_FORMS = {
    **ACCOUNT_FORMS,
    "login": "portal.forms.PortalLoginForm",
    "request_login_code": "portal.forms.PortalRequestLoginCodeForm",
    "confirm_login_code": "portal.forms.PortalConfirmLoginCodeForm",
    "confirm_email_verification_code": "portal.forms.PortalConfirmEmailCodeForm",
    "verify_phone": "portal.forms.PortalVerifyPhoneForm",
    "add_email": "portal.forms.PortalAddEmailForm",
}
MFA_ADAPTER = "portal.adapters.PortalMFAAdapter"
MFA_FORMS = {
    "authenticate": "portal.forms.TotpAuthenticateForm",
    "activate_totp": "portal.forms.ActivateTotpForm",
    "reauthenticate": "portal.forms.TotpReauthenticateForm",
}
# One SMS text serves sign-in and phone verification: one lifetime for both.
ACCOUNT_PHONE_VERIFICATION_TIMEOUT = ACCOUNT_LOGIN_BY_CODE_TIMEOUT
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_TIMEOUT = 15 * 60
# A lost SMS or email should not be a dead end: allow a new code (rate-limited)
# and correcting a mistyped address on the code page.
ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_RESEND = True
ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_CHANGE = True
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_RESEND = True
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_CHANGE = True
ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND = True

# --- Rate limits of write paths (portal.ratelimits) ---------------------------
# "N/s|m|h|d" per scope: user (the account, or the address for visitors), ip,
# and the caller's own scopes (key: an Open311 API key). Empty turns one off.
# Override one with RATE_LIMIT_<ACTION>_<SCOPE>, e.g. RATE_LIMIT_APPEAL_FILE_USER=20/h.
# Per IP is generous: many residents share a carrier-grade NAT address.
PORTAL_RATE_LIMITS = {
    # Every POST/PUT/PATCH/DELETE not limited more closely below.
    "write": {"user": "120/m", "ip": "1200/m"},
    "appeal.file": {"user": "10/h", "ip": "120/h"},
    # Requests carrying photos (appeals, replies, rectifications, case entries).
    "upload": {"user": "60/h", "ip": "600/h"},
    "open311.post": {"key": "600/h", "ip": "120/h"},
    "appeal.rate": {"user": "30/h", "ip": "300/h"},
    "appeal.me_too": {"user": "120/h", "ip": "1200/h"},
    # Lookups by tracking number or token that matched nothing: guessing is
    # refused long before a code space of millions could be walked.
    "tracking.miss": {"ip": "30/h"},
    # Portal administration (portal.administration): invitations send SMS and
    # e-mail, so fewer of them than other changes to accounts and units.
    "accounts.invite": {"user": "30/h", "ip": "120/h"},
    "accounts.change": {"user": "120/h", "ip": "600/h"},
    # The working-day calendar (appeals.views.calendar): previews count too;
    # an import reads a file, so fewer of those.
    "calendar.change": {"user": "120/h", "ip": "600/h"},
    "calendar.import": {"user": "30/h", "ip": "120/h"},
    # Organisers' campaign set-up (voting.setup): creating, copying, editing.
    "campaigns.setup": {"user": "60/h", "ip": "300/h"},
    # Accepting an invitation (a visitor holding a token).
    "accounts.accept": {"user": "20/h", "ip": "60/h"},
    # The dispatch centre's previews and imports of the catalogue (each reads a whole list).
    "catalogue.import": {"user": "60/h", "ip": "240/h"},
    # Organisers' changes of an award track's rules (cases.api_tracks).
    "cases.track_rules": {"user": "60/h", "ip": "600/h"},
}
for _action, _scopes in PORTAL_RATE_LIMITS.items():
    for _scope in _scopes:
        _name = f"RATE_LIMIT_{_action}_{_scope}".upper().replace(".", "_")
        _scopes[_scope] = os.environ.get(_name, _scopes[_scope])

# --- Public voting (voting app) ----------------------------------------------
# django-ratelimit rates on the vote path ("N/s|m|h"; empty turns one off).
# Per IP is generous: many residents share a carrier-grade NAT address.
VOTING_RATE_PER_USER = os.environ.get("VOTING_RATE_PER_USER", "30/m")
VOTING_RATE_PER_IP = os.environ.get("VOTING_RATE_PER_IP", "600/m")
# The leaderboard page refreshes its figures this often while voting is open.
VOTING_LEADERBOARD_REFRESH_SECONDS = int(os.environ.get("VOTING_LEADERBOARD_REFRESH_SECONDS", "5"))
# One OpenAPI enum name per appeals choice set (drf-spectacular).
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    **SPECTACULAR_SETTINGS.get("ENUM_NAME_OVERRIDES", {}),
    "AppealStateEnum": "appeals.enums.AppealState",
    "AppealPartStateEnum": "appeals.enums.PartState",
    "AppealPartRoleEnum": "appeals.enums.PartRole",
    "AppealChannelEnum": "appeals.enums.Channel",
    "AppealUrgencyEnum": "appeals.enums.Urgency",
    "ModerationDecisionEnum": "appeals.enums.ModerationDecision",
    # Named so that the two "decision" fields (screening, moderation) do not collide.
    "ScreeningDecisionEnum": ["accept", "reject", "request_changes"],
    # One decision each in the documented shapes of a screening decision (cases.api.decision_shapes).
    "ScreeningAcceptEnum": ["accept"],
    "ScreeningRejectEnum": ["reject"],
    "ScreeningRequestChangesEnum": ["request_changes"],
}

# --- Appeals in public (appeals app, issue 7) ----------------------------------
# Open311 GeoReport v2: the one jurisdiction this endpoint serves.
APPEALS_OPEN311_JURISDICTION = os.environ.get("APPEALS_OPEN311_JURISDICTION", "dongguan.gov.cn")
