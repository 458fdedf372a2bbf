"""Settings come from the environment; each case runs in a fresh interpreter."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BASE_ENV = {
    k: v
    for k, v in os.environ.items()
    if k
    not in {
        "DATABASE_URL",
        "REDIS_URL",
        "DEBUG",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        "SHORT_BASE_URL",
        "TIME_ZONE",
        "CELERY_BROKER_URL",
        "CELERY_RESULT_BACKEND",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    }
}

PROBE = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "engine": s.DATABASES["default"]["ENGINE"], "db_name": s.DATABASES["default"]["NAME"],
    "cache": s.CACHES["default"]["BACKEND"], "broker": s.CELERY_BROKER_URL,
    "result_backend": s.CELERY_RESULT_BACKEND, "debug": s.DEBUG, "hosts": s.ALLOWED_HOSTS,
    "short": s.SHORT_BASE_URL, "tz": s.TIME_ZONE, "lang": s.LANGUAGE_CODE,
    "origins": s.CSRF_TRUSTED_ORIGINS,
}))
"""


def load_settings(tmp_path, **env) -> subprocess.CompletedProcess:
    """Import suo.settings in a fresh interpreter with `env` (the probe prints what it read)."""
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**BASE_ENV, "DJANGO_SETTINGS_MODULE": "suo.settings", "SUO_VAR_DIR": str(tmp_path), **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def settings_with(tmp_path, **env) -> dict:
    result = load_settings(tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_embedded_defaults_need_no_configuration(tmp_path):
    s = settings_with(tmp_path)

    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["db_name"] == str(tmp_path / "suo.sqlite3")
    assert s["cache"].endswith("LocMemCache")
    assert s["broker"].startswith("filesystem://")
    assert s["tz"] == "Asia/Shanghai"
    assert s["lang"] == "zh-hans"


def test_database_url_and_redis_url_switch_to_the_real_parts(tmp_path):
    s = settings_with(
        tmp_path,
        DATABASE_URL="postgres://suo@db.internal:5432/suo",
        REDIS_URL="redis://cache.internal:6379/3",
    )

    assert s["engine"] == "django.db.backends.postgresql"
    assert s["db_name"] == "suo"
    assert s["cache"].endswith("RedisCache")
    assert s["broker"] == s["result_backend"] == "redis://cache.internal:6379/3"


def test_short_base_url_time_zone_and_hosts_come_from_env(tmp_path):
    s = settings_with(
        tmp_path,
        SHORT_BASE_URL="https://s.example.cn/",
        TIME_ZONE="Asia/Hong_Kong",
        ALLOWED_HOSTS="suo.example.cn",
    )

    assert s["short"] == "https://s.example.cn"
    assert s["tz"] == "Asia/Hong_Kong"
    assert set(s["hosts"]) == {"suo.example.cn", "s.example.cn"}


def test_hosts_typed_full_width_upper_case_dotted_or_in_unicode_match_what_browsers_send(tmp_path):
    s = settings_with(
        tmp_path,
        SHORT_BASE_URL="https://短.例子.com",
        ALLOWED_HOSTS="ｓｕｏ．example．cn,ADMIN.Example.CN.,.例子.com,suo.example.cn,[::1]",
        CSRF_TRUSTED_ORIGINS="https://ＡＤＭＩＮ.example.cn,https://*.例子.com:8443",
    )

    assert s["hosts"] == [
        "suo.example.cn",
        "admin.example.cn",
        ".xn--fsqu00a.com",
        "[::1]",
        "xn--s7y.xn--fsqu00a.com",
    ]
    assert s["origins"] == ["https://admin.example.cn", "https://*.xn--fsqu00a.com:8443"]


def test_a_host_that_cannot_be_one_stops_the_settings_and_names_the_variable(tmp_path):
    result = load_settings(tmp_path, ALLOWED_HOSTS="suo.example.cn,exa mple.cn")

    assert result.returncode != 0
    assert "ALLOWED_HOSTS: not a host name: 'exa mple.cn'" in result.stderr


def test_debug_off_refuses_the_development_secret_key(tmp_path):
    result = load_settings(tmp_path, DEBUG="False")

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_deploy_check_is_clean_with_debug_off_and_a_real_secret(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env={
            **BASE_ENV,
            "SUO_VAR_DIR": str(tmp_path),
            "DEBUG": "False",
            "SECRET_KEY": "k" * 10 + "Zx9-" + "q7" * 30,
            "ALLOWED_HOSTS": "suo.example.cn",
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
