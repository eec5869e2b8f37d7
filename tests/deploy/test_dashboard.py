"""The Grafana dashboard plots only metrics issues-api exports (README "Metrics"), valid dashboard JSON."""

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_panel_queries_an_exported_metric() -> None:
    dashboard = json.loads((ROOT / "deploy/grafana/rectify-dashboard.json").read_text())
    readme = (ROOT / "README.md").read_text()
    assert dashboard["uid"] == "rectify" and dashboard["panels"]
    for panel in dashboard["panels"]:
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            metrics = set(re.findall(r"rectify_[a-z_]+", target["expr"]))
            assert metrics, target
            for metric in metrics:
                assert f"`{metric.removesuffix('_bucket')}`" in readme, (panel["title"], metric)
