"""suo settings, read from the environment by django-environ.

With no environment at all suo runs on its embedded defaults: SQLite under var/, a Celery broker on
the filesystem under var/, a local-memory cache. DATABASE_URL and REDIS_URL switch to the real parts.
"""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from suo.hosts import clean_host, clean_host_pattern, clean_origin
from suo.log_filters import TASK_RUN_LOGGERS

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("SUO_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
env_file = BASE_DIR / ".env"
if env_file.exists():
    environ.Env.read_env(env_file)

DEVELOPMENT_SECRET_KEY = "django-insecure-suo-development-key-do-not-use-in-production"

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured("DEBUG is off: set SECRET_KEY to a long random value (see .env.example).")

PORT = env.int("PORT", default=8000)
SHORT_BASE_URL = env.str("SHORT_BASE_URL", default=f"http://127.0.0.1:{PORT}").rstrip("/")


def _cleaned(name: str, values: list[str], clean) -> list[str]:
    """Hosts or origins as requests name them (suo/hosts.py): `ＥＸＡＭＰＬＥ．com.` or `例子.com`
    in the environment still match the Host header a browser sends."""
    try:
        return list(dict.fromkeys(clean(value) for value in values if value.strip()))
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}: {exc}") from None


_short_host = urlsplit(SHORT_BASE_URL).hostname or ""  # an IPv6 address without its brackets
_short_hosts = _cleaned(
    "SHORT_BASE_URL", [f"[{_short_host}]" if ":" in _short_host else _short_host], clean_host
)
ALLOWED_HOSTS = _cleaned(
    "ALLOWED_HOSTS",
    env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"]),
    clean_host_pattern,
)
ALLOWED_HOSTS += [host for host in _short_hosts if host not in ALLOWED_HOSTS]
CSRF_TRUSTED_ORIGINS = _cleaned(
    "CSRF_TRUSTED_ORIGINS", env.list("CSRF_TRUSTED_ORIGINS", default=[]), clean_origin
)

INSTALLED_APPS = [
    "suo.apps.SuoAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "suo.apps.SuoConfig",
    "groups",
    "groups.dashboards",
    "links",
    "links.livecodes",
    "content",
    "groups.campaigns.apps.CampaignsConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "suo.middleware.WorkspaceTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "suo.urls"
WSGI_APPLICATION = "suo.wsgi.application"

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
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------
# SQLite is the embedded default: WAL lets readers run beside the one writer, the busy timeout
# makes concurrent writers wait instead of failing, IMMEDIATE transactions take the write lock
# up front so two transactions never deadlock on a lock upgrade.
SQLITE_PATH = VAR_DIR / "suo.sqlite3"
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{SQLITE_PATH}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Tests use a file too (not :memory:), so threads in concurrency tests see one database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            # cache_size: 32 MB of pages (SQLite's default is 2 MB): storing clicks touches index
            # pages all over the click table, which the small cache reads again and again.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-32000;",
        }
    )
# Persistent connections: opening one (and, on SQLite, running the PRAGMAs) per request costs
# more than the redirect itself.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache and Celery: Redis when REDIS_URL is set, embedded parts otherwise -----------------
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_DATA_DIR = VAR_DIR / "celery"
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "suo",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
    CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {"visibility_timeout": 3600}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "suo"}}
    # kombu's filesystem transport: a broker that needs no server, shared by web and worker
    # through files under var/celery/queue.
    CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://localhost//")
    CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=f"file://{CELERY_DATA_DIR / 'results'}")
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_DATA_DIR / "queue"),
        "data_folder_out": str(CELERY_DATA_DIR / "queue"),
        "control_folder": str(CELERY_DATA_DIR / "control"),
        "store_processed": False,
        # The worker looks for new files this often (kombu's default is 1 s): with the demo's
        # start-up tasks queued, a per-second click flush otherwise waited half a minute.
        "polling_interval": 0.1,
    }

# Reliable work: a task is acknowledged only once done, so a worker killed mid-task hands it
# back to the broker; JSON only; hard limits so a stuck task cannot hold a worker forever.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(CELERY_DATA_DIR / "beat-schedule")


def beat(task: str, every: float, expires: float | None = None) -> dict:
    """A periodic task: `task` every `every` seconds, dropped if not started within `expires`."""
    entry: dict = {"task": task, "schedule": every}
    if expires is not None:
        entry["options"] = {"expires": expires}
    return entry


# Periodic reconcilers: each is idempotent, so a worker that was down catches up on its next run.
CELERY_BEAT_SCHEDULE: dict = {
    "suo.sessions.clear": beat("suo.tasks.clear_expired_sessions", 6 * 3600.0),
    "suo.webhooks.reconcile": beat("suo.tasks.webhooks_reconcile", 60.0, 55),
    # Mutes are lifted on time by an ETA task; this sweep lifts any whose task was lost.
    "groups.mutes_sweep": beat("groups.tasks.mutes_sweep", 60.0, 55),
    # CSV files previewed in the admin but never imported are deleted after an hour.
    "groups.import_uploads_sweep": beat("groups.tasks.import_uploads_sweep", 3600.0, 3000),
    # Cold groups are found from whole weeks; a few runs a day catch a worker that was down.
    "dashboards.cold_groups_sweep": beat("groups.dashboards.tasks.cold_groups_sweep", 6 * 3600.0, 3600),
    # The retention summary recounts the members whose memberships changed (groups/dashboards/summary.py).
    "dashboards.retention_summary_refresh": beat(
        "groups.dashboards.tasks.retention_summary_refresh", 60.0, 55
    ),
}

# --- outbound webhooks (suo.webhooks) -------------------------------------------------------
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
# Attempt n+1 waits WEBHOOK_BACKOFF_SECONDS * 2**(n-1): 30 s, 1 min, 2 min ... about 1 h in all.
WEBHOOK_BACKOFF_SECONDS = env.float("WEBHOOK_BACKOFF_SECONDS", default=30.0)
# The whole attempt (connect, send, read the answer) must end within this many seconds.
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)

# --- fetching user-given URLs (suo.safe_fetch: webhooks, link previews) ----------------------
# Only public internet addresses may be fetched. True lifts that rule, for tests and local
# development against servers on this machine; never in production.
SAFE_FETCH_ALLOW_PRIVATE = env.bool("SAFE_FETCH_ALLOW_PRIVATE", default=False)

# --- links -----------------------------------------------------------------------------------
# Where a counted visit goes: "redis" (a buffer flushed by a Celery task), "spool" (an append-only
# file per web process under LINKS_SPOOL_DIR, drained by the same task: the embedded default) or
# "direct" (a database write in the request).
LINKS_CLICK_BUFFER = env.str("LINKS_CLICK_BUFFER", default="redis" if REDIS_URL else "spool")
LINKS_CAPTURE = env.bool("LINKS_CAPTURE", default=True)
LINKS_BUFFER_KEY = env.str("LINKS_BUFFER_KEY", default="suo:links:clicks")
LINKS_SPOOL_DIR = env.str("LINKS_SPOOL_DIR", default=str(VAR_DIR / "clicks"))
# The redirect's per-process link cache is proven current on every visit: through version tokens
# under this Redis key prefix, or (no Redis) through this file, which every link change grows.
LINKS_CACHE_KEY = env.str("LINKS_CACHE_KEY", default="suo:links:cache")
LINKS_CACHE_GENERATION_FILE = env.str(
    "LINKS_CACHE_GENERATION_FILE", default=str(VAR_DIR / "links.generation")
)
# Links each web process reads into its redirect cache when it starts (most clicked first), in a
# background thread: about 1 KB and 25 µs of CPU each (100k: 100 MB per web process, 2.5 s);
# 0: none (each link is then read on its first visit in that process).
LINKS_CACHE_WARM = env.int("LINKS_CACHE_WARM", default=100_000)
LINKS_BLOCKED_DOMAINS = env.list("LINKS_BLOCKED_DOMAINS", default=[])
LINKS_COUNTRY_HEADER = env.str("LINKS_COUNTRY_HEADER", default="")  # e.g. CF-IPCountry from a trusted proxy
# Reverse proxies in front of suo that each append the address they saw to X-Forwarded-For,
# counted from the right; 0: the connection's own address (REMOTE_ADDR). Password tries and
# visitor hashes key on the address the outermost trusted proxy saw: entries further left are
# the client's to choose. (Was LINKS_TRUST_X_FORWARDED_FOR; True there means 1 here.)
LINKS_TRUSTED_PROXIES = env.int(
    "LINKS_TRUSTED_PROXIES", default=1 if env.bool("LINKS_TRUST_X_FORWARDED_FOR", default=False) else 0
)
if LINKS_CLICK_BUFFER != "direct":
    CELERY_BEAT_SCHEDULE["links.flush_clicks"] = beat("links.tasks.flush_clicks", 1.0, 10)
# Live group codes: expiry needs no visitor, so alerts are also swept (idempotent).
CELERY_BEAT_SCHEDULE["links.livecodes.sweep_alerts"] = beat(
    "links.livecodes.tasks.sweep_live_code_alerts", 300.0, 290
)

# --- content -----------------------------------------------------------------------------------
# Posts and SOP reminders go out on time by ETA tasks; these idempotent sweeps send what was missed,
# apply auto-SOPs to new groups of their kind and make thumbnails whose task was lost.
CELERY_BEAT_SCHEDULE.update(
    {
        "content.posts_reconcile": beat("content.tasks.posts_reconcile", 60.0, 55),
        "content.reminders_reconcile": beat("content.tasks.reminders_reconcile", 60.0, 55),
        "content.sops_auto_apply": beat("content.tasks.sops_auto_apply", 60.0, 55),
        "content.thumbnails_reconcile": beat("content.tasks.thumbnails_reconcile", 300.0, 290),
    }
)
# Hit and low-performer flags rank items over the last N sent posts of their purpose category.
CONTENT_RANKING_POSTS = env.int("CONTENT_RANKING_POSTS", default=20)
# Campaigns: phase starts, play closings and referral checks run on time by ETA tasks; these
# reconcilers do whatever a lost task or a stopped worker left behind (idempotent, in order).
CELERY_BEAT_SCHEDULE["campaigns.reconcile"] = beat("groups.campaigns.tasks.campaigns_reconcile", 30.0, 25)
CELERY_BEAT_SCHEDULE["campaigns.fission_reconcile"] = beat(
    "groups.campaigns.tasks.fission_reconcile", 300.0, 290
)

# --- auth, API ------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
# Days an invitation to a workspace can be accepted.
WORKSPACE_INVITATION_DAYS = env.int("WORKSPACE_INVITATION_DAYS", default=7)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "suo.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "suo.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "suo.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"qr_decode": env.str("QR_DECODE_RATE", default="60/min")},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "suo API",
    "DESCRIPTION": (
        "Private-domain community operations. Authenticate with `Authorization: Token <key>` "
        "(`python manage.py createworkspace` prints one). When your user belongs to several "
        "workspaces, name one with the `X-Workspace: <slug>` header. Errors share one body: "
        "`{code, detail, fields}`, where `fields` maps each wrong field to its messages."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "suo.api.schema.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "WorkspaceRoleEnum": "suo.models.Role",
        "WebhookDeliveryStateEnum": "suo.models.WebhookDeliveryState",
        "CommunityStateEnum": "groups.models.community.CommunityState",
        "GroupRoleEnum": "groups.models.members.GroupRole",
        "LeaveReasonEnum": "groups.models.members.LeaveReason",
        "CommunityKindEnum": "groups.models.community.CommunityKind",
        "PenaltyActionEnum": "groups.models.moderation.PenaltyAction",
        "RuleCategoryEnum": "groups.models.moderation.RuleCategory",
        "ContentCategoryEnum": "content.models.library.Category",
        "ContentMethodEnum": "content.models.library.Method",
        "ContentItemStatusEnum": "content.models.library.ItemStatus",
        "TitleKindEnum": "content.models.library.TitleKind",
        "PostStateEnum": "content.models.posts.PostState",
        "TaskStatusEnum": "content.models.sops.TaskStatus",
        "TaskReminderEnum": "content.models.sops.ReminderState",
        "CampaignPhaseEnum": "groups.campaigns.models.flash.CampaignPhase",
        "ScheduledPhaseEnum": "groups.campaigns.models.flash.SCHEDULED_PHASES",
        "TransitionStateEnum": "groups.campaigns.models.flash.TransitionState",
        "FollowUpStateEnum": "groups.campaigns.models.flash.FollowUpState",
        "PlayKindEnum": "groups.campaigns.models.plays.PlayKind",
        "PlayOutcomeEnum": "groups.campaigns.models.plays.PlayOutcome",
        "PlayEntryStateEnum": "groups.campaigns.models.plays.EntryState",
        "PlayAlertKindEnum": "groups.campaigns.models.plays.PlayAlertKind",
        "ReferralStateEnum": "groups.campaigns.models.fission.ReferralState",
        "ReferralReasonEnum": "groups.campaigns.models.fission.ReferralReason",
    },
}

# --- language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_URL = "media/"
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(VAR_DIR / "media"))

# --- security: safe by default once DEBUG is off; each switch can be turned by env ----------
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 30 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Joining the browsers' HSTS preload list is a commitment for the whole domain; suo leaves that
# choice to the operator (SECURE_HSTS_PRELOAD=True) instead of warning about it on every check.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
# A form sent without its CSRF token gets a page that says how to recover, in the site's style.
CSRF_FAILURE_VIEW = "suo.error_pages.csrf_failure"
X_FRAME_OPTIONS = "DENY"

# Beat tasks due more often than every 10 s (the click flush: every second) log no INFO line per
# run (beat's "Sending due task", the worker's "received" and "succeeded"); their warnings and
# errors still do, and so does every other task (suo/log_filters.py).
LOG_QUIET_TASKS = sorted(
    {
        entry["task"]
        for entry in CELERY_BEAT_SCHEDULE.values()
        if isinstance(entry["schedule"], int | float) and entry["schedule"] < 10
    }
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"quiet_tasks": {"()": "suo.log_filters.QuietTasks", "tasks": LOG_QUIET_TASKS}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        **{name: {"filters": ["quiet_tasks"]} for name in TASK_RUN_LOGGERS},
    },
}
