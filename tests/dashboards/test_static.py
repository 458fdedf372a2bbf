"""The chart library comes from the npm registry (scripts/vendor-static.sh) and is served as a static file."""

import subprocess
from pathlib import Path

from django.contrib.staticfiles import finders

ROOT = Path(__file__).resolve().parents[2]


def test_echarts_and_its_licence_are_found_by_staticfiles():
    assert finders.find("vendor/echarts/echarts.min.js")
    assert "Apache License" in Path(finders.find("vendor/echarts/LICENSE")).read_text()
    assert Path(finders.find("dashboards/dash.js")).exists()


def test_the_setup_says_clearly_when_node_is_missing(tmp_path):
    result = subprocess.run(
        ["/bin/bash", str(ROOT / "scripts" / "vendor-static.sh")],
        env={"PATH": str(tmp_path)},  # no node, no npm
        capture_output=True,
        text=True,
    )

    assert result.returncode == 1
    assert "needs Node.js" in result.stderr and "npm" in result.stderr
