"""The privacy engine inside applications: a `logging` filter, a structlog processor and
OpenTelemetry hooks, all sharing one `Engine` so an application redacts the same way
everywhere.

Each hook lives in its own module and imports its framework there, so the default install
needs neither structlog nor the OpenTelemetry SDK:

* `vedette.privacy.integrations.logging_filter` — `RedactingFilter`, `install`
* `vedette.privacy.integrations.structlog_processor` — `RedactingProcessor`
* `vedette.privacy.integrations.otel` — `RedactingLogRecordProcessor`, `RedactingSpanExporter`
"""
