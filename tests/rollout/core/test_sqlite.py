"""The embedded path's SQLite backend: integers past 64 bits compare as on PostgreSQL instead of a 500."""

import sqlite3

from rollout.core.sqlite.base import CursorWrapper, DatabaseOperations

HUGE = 10**40


def test_an_integer_past_64_bits_matches_no_row_and_is_greater_than_every_one():
    cursor = sqlite3.connect(":memory:").cursor(factory=CursorWrapper)
    cursor.execute("CREATE TABLE t (id INTEGER)")
    cursor.executemany("INSERT INTO t VALUES (%s)", [[5], [2**63 - 1]])
    cursor.execute("SELECT COUNT(*) FROM t WHERE id = %s", [HUGE])
    assert cursor.fetchone() == (0,)
    cursor.execute("SELECT COUNT(*) FROM t WHERE id < %s AND id > %s", [HUGE, -HUGE])
    assert cursor.fetchone() == (2,)
    cursor.execute("SELECT COUNT(*) FROM t WHERE id IN (%s, %s)", [HUGE, 5])
    assert cursor.fetchone() == (1,)


def test_integer_fields_have_the_ranges_of_the_other_databases():
    ops = DatabaseOperations(connection=None)
    assert ops.integer_field_range("PositiveSmallIntegerField") == (0, 32767)
    assert ops.integer_field_range("BigAutoField") == (-(2**63), 2**63 - 1)
