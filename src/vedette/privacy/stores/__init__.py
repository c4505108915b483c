"""The privacy engine on data at rest: scanners of databases (PostgreSQL), their findings
as events, and the `vedette pii scan-db` command."""
