"""The agent and its pipeline: checks → enrich → redact → filter → spool → sinks."""
