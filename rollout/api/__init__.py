"""The REST API (``/api/v1/``): the pages' roles, areas, rules and services for other systems (docs/api.md)."""
