"""What ships beside the code: the sample configuration and the Grafana dashboard."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import yaml

from tests.pipeline.servers import Server
from vedette.pipeline.settings import load_agent_settings

ROOT = Path(__file__).parents[2]
DASHBOARD = ROOT / "contrib" / "grafana" / "dashboards" / "vedette.json"


def test_sample_configuration_is_valid_and_shows_every_sink() -> None:
    from vedette.pipeline.config import SinkConfig

    settings, agent = load_agent_settings(ROOT / "docs" / "vedette.yaml")
    assert settings.host.labels["region"] == "eu-west-1" and agent.checks
    union = SinkConfig.__origin__  # type: ignore[attr-defined]
    every_type = {model.model_fields["type"].annotation.__args__[0]
                  for model in union.__args__}
    assert {sink.type for sink in agent.sinks} == every_type


def _targets(dashboard: dict) -> list[dict]:
    return [target for panel in dashboard["panels"] for target in panel.get("targets", [])]


def test_dashboard_is_provisionable() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] == "vedette-overview" and "id" not in dashboard
    assert "__inputs" not in dashboard  # provisioning cannot resolve ${DS_...} inputs
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    for panel in dashboard["panels"]:
        assert set(panel["gridPos"]) == {"h", "w", "x", "y"}
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == "${datasource}"
    provider = yaml.safe_load((ROOT / "contrib" / "grafana" / "provisioning" / "dashboards"
                               / "vedette.yaml").read_text())
    assert provider["apiVersion"] == 1 and provider["providers"][0]["type"] == "file"


def test_dashboard_queries_are_valid_promql(prometheus_server: Server) -> None:
    for target in _targets(json.loads(DASHBOARD.read_text())):
        expr = target["expr"].replace("$host", ".*")
        answer = httpx.get(f"{prometheus_server.url}/api/v1/query", params={"query": expr})
        assert answer.json()["status"] == "success", (expr, answer.text)
