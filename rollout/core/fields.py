"""Model fields every app may use."""

from django.db import models


class CollationKeyField(models.CharField):
    """A stored ``rollout.core.text.collation_key``: compared byte by byte, so on PostgreSQL the column has the
    ``C`` collation whatever the database's default (``en_US.UTF-8`` would ignore the key's separators); SQLite
    compares text as bytes already."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 255)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params
