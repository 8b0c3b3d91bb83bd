"""Alerts: built-in and SQL rules evaluated by the collector off the ingestion path, their
state in the ``alerts`` table, and notifications to webhooks (Alertmanager or Slack)."""
