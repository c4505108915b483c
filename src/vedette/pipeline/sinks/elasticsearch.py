"""Elasticsearch / OpenSearch `_bulk`: ECS documents, created under their delivery id.

`create` with `_id` = delivery id makes redelivery harmless: a document already there
answers 409, which counts as delivered. The response is read item by item (HTTP 200 can
hide partial failures): items refused with 429 are retried with back-off, other refusals
about an item go to the dead-letter file.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Literal

from vedette.pipeline.items import Item
from vedette.pipeline.sinks import http
from vedette.pipeline.sinks.base import (
    Rejected,
    RetryableError,
    Sink,
    SinkSettings,
    read_secret,
)
from vedette.pipeline.sinks.encode import Shape, document


class ElasticsearchSettings(SinkSettings):
    type: Literal["elasticsearch"]
    url: str = "http://127.0.0.1:9200"
    index: str = "logs-vedette.events-default"  # a data stream name works: `create` only
    metrics_index: str | None = "metrics-vedette.metrics-default"
    api_key_file: Path | None = None  # `Authorization: ApiKey <key>`
    api_key_env: str | None = None
    username: str | None = None
    password_file: Path | None = None
    verify_tls: bool = True
    retries: int = 3  # rounds of item retries (429) within one delivery
    timeout: float = 30.0

    def build(self) -> Sink:
        api_key = read_secret(f"sink {self.sink_name}", self.api_key_file, self.api_key_env)
        password = read_secret(f"sink {self.sink_name}", self.password_file, None)
        headers = {"Authorization": f"ApiKey {api_key}"} if api_key else {}
        auth = (self.username, password or "") if self.username else None
        return ElasticsearchSink(self.sink_name, self.url.rstrip("/"), self.index,
                                 self.metrics_index, headers, auth, self.verify_tls,
                                 self.retries, self.timeout, self.batch_size)


class ElasticsearchSink(Sink):
    def __init__(self, name: str, url: str, index: str, metrics_index: str | None,
                 headers: dict[str, str], auth: tuple[str, str] | None, verify: bool,
                 retries: int, timeout: float, batch_size: int) -> None:
        self.name, self.url, self.batch_size = name, url, batch_size
        self.index, self.metrics_index, self.retries = index, metrics_index, retries
        self._headers, self._auth = headers, auth
        self._http = http.client(timeout, verify)
        self.backoff = 1.0

    def send(self, items: list[Item]) -> list[Rejected]:
        pending = [(item, self.index if item.event is not None else self.metrics_index)
                   for item in items]
        pending = [(item, index) for item, index in pending if index]
        rejected: list[Rejected] = []
        for attempt in range(self.retries + 1):
            if not pending:
                return rejected
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            outcomes = self._bulk(pending)
            retry = []
            for (item, index), (status, error) in zip(pending, outcomes, strict=True):
                if status < 300 or status == 409:  # 409: created by an earlier delivery
                    continue
                if status == 429 or status >= 500:
                    retry.append((item, index))
                else:
                    rejected.append(Rejected(item, f"Elasticsearch {index}: {status} {error}"))
            pending = retry
        raise RetryableError(f"Elasticsearch {self.url}: {len(pending)} item(s) still refused "
                             "with 429/5xx")

    def _bulk(self, pending: list[tuple[Item, str | None]]) -> list[tuple[int, str]]:
        lines = []
        for item, index in pending:
            lines.append(json.dumps({"create": {"_index": index, "_id": item.id}}))
            lines.append(json.dumps(document(item, Shape.ECS), separators=(",", ":"),
                                    ensure_ascii=False))
        body = ("\n".join(lines) + "\n").encode()  # the final newline is mandatory
        response = http.request(self._http, "POST", f"{self.url}/_bulk",
                                f"Elasticsearch {self.url}", content=body, auth=self._auth,
                                headers={**self._headers,
                                         "Content-Type": "application/x-ndjson"})
        answer = response.json()
        results: list[dict[str, Any]] = [next(iter(entry.values()))
                                         for entry in answer.get("items", [])]
        if len(results) != len(pending):
            raise RetryableError(f"Elasticsearch {self.url}: {len(results)} results for "
                                 f"{len(pending)} items")
        return [(int(result.get("status", 500)),
                 json.dumps(result.get("error", ""))[:300]) for result in results]

    def close(self) -> None:
        self._http.close()
