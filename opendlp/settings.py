"""Django settings, read from the environment with django-environ.

Every variable is listed, with its default and meaning, in the README's "Settings" table.
Development defaults need no servers: an SQLite file and a filesystem Celery broker under
``var/``, a local-memory cache and the console email backend. Production secrets have no
defaults: with ``DEBUG`` off, ``SECRET_KEY`` must be set or start-up fails.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (e.g. SECRET_KEY=$(openssl rand -hex 32))."
        )
    SECRET_KEY = "insecure-development-key-only-used-when-DEBUG-is-on"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_celery_beat",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "csp",
    "ninja",
    "opendlp.core",
    "accounts",
    "assemblies",
    "lottery",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "opendlp.api.ApiErrorShapeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "opendlp.core.middleware.AuditCredentialMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.StaffTwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "opendlp.urls"
WSGI_APPLICATION = "opendlp.wsgi.application"
ASGI_APPLICATION = "opendlp.asgi.application"

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
                "assemblies.invitations.context.pending_invitations",
            ],
        },
    },
]

# Database: the embedded SQLite file by default; PostgreSQL in production and CI.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a writer instead of failing at once when the worker and the web share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("timeout", 20)
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/account/"

# django-allauth: email login, mandatory verification, no enumeration, rate limits in the cache.
# Sign-up is open only to holders of an organiser invitation (assemblies owns invitations).
ACCOUNT_ADAPTER = "assemblies.invitations.adapter.InvitationAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Open DLP] "
ACCOUNT_RATE_LIMITS = {
    "login": env.str("RATE_LIMIT_LOGIN", default="30/m/ip"),
    "login_failed": env.str("RATE_LIMIT_LOGIN_FAILED", default="10/m/ip,5/300s/key"),
    "reset_password": env.str("RATE_LIMIT_RESET_PASSWORD", default="20/m/ip,5/m/key"),
    "signup": env.str("RATE_LIMIT_SIGNUP", default="20/m/ip"),
}
# Invitation acceptance is limited per client IP, counted in the cache like allauth's limits.
INVITATION_RATE_LIMIT = env.str("RATE_LIMIT_INVITATION", default="20/m/ip")
# The client IP: trust X-Forwarded-For only as far as this many proxies of ours.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env.str("TRUSTED_CLIENT_IP_HEADER", default="") or None
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Open DLP"
# Staff and organisers must set up two-factor authentication before using the admin.
MFA_REQUIRED_FOR_STAFF = env.bool("MFA_REQUIRED_FOR_STAFF", default=not DEBUG)

# Cache: Redis when REDIS_URL is set, otherwise this process's memory. While Redis is
# unreachable the cache falls back to this process's memory (opendlp/core/cache.py): pages and
# sign-in keep working and rate limits count per process, with one warning per outage.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "opendlp.core.cache.FallbackRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="opendlp"),
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: Redis when configured, otherwise kombu's filesystem transport under var/celery.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_BROKER_DIR = VAR_DIR / "celery"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_processed": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 4 * 3600}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = env.str("TIME_ZONE", default="UTC")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Selection runs: the sweep (every 5 minutes) fails a run no worker picked up within this many
# seconds (while no other run keeps the workers busy), and a running run without a heartbeat
# for this many seconds (its worker died).
SELECTION_PENDING_TIMEOUT = env.int("SELECTION_PENDING_TIMEOUT", default=300)
SELECTION_HEARTBEAT_TIMEOUT = env.int("SELECTION_HEARTBEAT_TIMEOUT", default=600)

# Email: the console by default; e.g. smtp+tls://user:password@host:587 in production.
# "The console" logs each email through LOGGING (link tokens redacted, shown by the worker);
# EMAIL_CONSOLE_SHOW_LINKS=true (with DEBUG only) prints raw emails, to click links locally.
_email = env.email_url("EMAIL_URL", default="consolemail://")
if _email["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend" and not (
    DEBUG and env.bool("EMAIL_CONSOLE_SHOW_LINKS", default=False)
):
    _email["EMAIL_BACKEND"] = "opendlp.core.mail.LoggingEmailBackend"
globals().update(_email)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Open DLP <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

LOTTERY_TIME_ZONE = env.str("LOTTERY_TIME_ZONE", default=TIME_ZONE)
LOTTERY_CLOSE_TOKEN = env.str("LOTTERY_CLOSE_TOKEN", default="")

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise expects it, even before collectstatic

SORTITION_DATA_DIR = env.str("SORTITION_DATA_DIR", default=str(BASE_DIR.parent / "shared" / "data"))

# Content-Security-Policy (django-csp): no inline or third-party script anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Security. Production (DEBUG off) gets HTTPS-only cookies and HSTS; a proxy that terminates
# TLS must set X-Forwarded-Proto, which is trusted only when SECURE_PROXY_SSL_HEADER is on.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Logging: one console handler (stderr) with one line format and the redaction filter, used
# by the web process, the Celery worker and beat alike (opendlp/celery.py applies this dict in
# the worker and beat instead of Celery's own set-up). Celery and the apps propagate to root.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "opendlp.core.redaction.RedactingFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]},
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["redact"],
            "include_html": False,
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own loggers would also use Django's default handlers; send them here only.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # runserver's request lines: through the redaction filter (tokens in paths).
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# --- Public registration ---
# Limits of the public registration form (assemblies/registration/). Rates are "count/period"
# with the period in seconds or as s, m, h or d (e.g. "30/h", "5/600s"); counted in the cache.
REGISTRATION_RATE_LIMIT_IP = env.str("RATE_LIMIT_REGISTRATION_IP", default="100/h")
REGISTRATION_RATE_LIMIT_EMAIL = env.str("RATE_LIMIT_REGISTRATION_EMAIL", default="5/h")
# A submission sooner than this many seconds after the form was shown is refused (bots).
REGISTRATION_MIN_FILL_SECONDS = env.float("REGISTRATION_MIN_FILL_SECONDS", default=3.0)
# A form left open longer than this many seconds must be sent again (its token expires).
REGISTRATION_FORM_MAX_AGE = env.int("REGISTRATION_FORM_MAX_AGE", default=24 * 3600)
# Seconds the form's questions (categories and quotas) are kept in the cache; 0: not cached.
REGISTRATION_QUESTIONS_CACHE_SECONDS = env.int("REGISTRATION_QUESTIONS_CACHE_SECONDS", default=10)
# How long the emailed links stay valid, in seconds.
REGISTRATION_CONFIRM_MAX_AGE = env.int("REGISTRATION_CONFIRM_MAX_AGE", default=30 * 24 * 3600)
REGISTRATION_MANAGE_MAX_AGE = env.int("REGISTRATION_MANAGE_MAX_AGE", default=2 * 365 * 24 * 3600)
# The site's public address (scheme and host, no trailing slash): what printed short links and
# their QR codes point to (``/r/<code>``), since a QR code is made away from any request.
SITE_URL = env.str("SITE_URL", default="http://localhost:8000").rstrip("/")
# An expired CSRF token on a registration form re-shows the form with the answers kept.
CSRF_FAILURE_VIEW = "assemblies.registration.csrf.csrf_failure"
# --- End of public registration ---
