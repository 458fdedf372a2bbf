import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


@pytest.mark.django_db
def test_admin_speaks_chinese_by_default_and_english_on_request(client):
    chinese = client.get("/admin/login/").content.decode()
    english = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "suo 社群运营后台" in chinese
    assert "登录" in chinese
    assert "suo community operations" in english


def _msgfmt_statistics(po: Path) -> str:
    result = subprocess.run(
        ["msgfmt", "--statistics", "-o", "/dev/null", str(po)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stderr


def test_every_string_in_the_code_is_translated_to_chinese(tmp_path):
    """Extract the strings again from a copy of the code: none may be missing or untranslated."""
    for name in ["suo", "groups", "links", "content", "templates", "locale"]:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "manage.py", tmp_path)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-location", "--no-obsolete"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "SUO_VAR_DIR": str(tmp_path)},
    )

    stats = _msgfmt_statistics(tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")

    assert "untranslated" not in stats and "fuzzy" not in stats, stats


def test_compiled_catalogue_matches_its_source(tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(compiled), str(PO)], check=True)

    assert compiled.read_bytes() == MO.read_bytes(), "run `make messages` and commit the .mo"
