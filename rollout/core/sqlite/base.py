"""Django's SQLite backend with the integer ranges of the other databases.

SQLite stores integers up to 64 bits and Django's backend declares no range for its integer fields, so a number
too large for a field was neither refused by the field's validators (a staffing norm of 99999 in a small-integer
column) nor by the queries (an id of 40 digits in a URL or a form raised ``OverflowError`` in the driver: a 500).
Here the ranges are declared, so the validators refuse such a value as on PostgreSQL, and a query parameter past
64 bits is sent as a float, as PostgreSQL compares a bigint column with a numeric: equal to no row, greater than
every one. The demo's embedded path runs on it; production runs on PostgreSQL."""

from collections.abc import Mapping

from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.backends.sqlite3 import base, operations


class DatabaseOperations(operations.DatabaseOperations):
    integer_field_ranges = BaseDatabaseOperations.integer_field_ranges

    def integer_field_range(self, internal_type):
        return BaseDatabaseOperations.integer_field_range(self, internal_type)


def _in_range(value):
    if type(value) is int and not -(2**63) <= value < 2**63:
        return float(value)
    return value


def _params(params):
    if params is None:
        return None
    if isinstance(params, Mapping):
        return {name: _in_range(value) for name, value in params.items()}
    return [_in_range(value) for value in params]


class CursorWrapper(base.SQLiteCursorWrapper):
    def execute(self, query, params=None):
        return super().execute(query, _params(params))

    def executemany(self, query, param_list):
        return super().executemany(query, (_params(params) for params in param_list))


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def create_cursor(self, name=None):
        return self.connection.cursor(factory=CursorWrapper)
