"""Database helpers shared by the apps."""

from contextlib import contextmanager

import psycopg
from django.db import connection, transaction


@contextmanager
def server_cursor():
    """A psycopg cursor with server-side parameter binding on Django's own connection
    (so inside the current transaction). Django's cursors bind on the client, which
    re-plans every statement and renders large array parameters as text; hot paths and
    bulk statements use this instead, with `prepare=True` where a statement repeats."""
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        yield cursor


def copy_insert(table: str, columns: tuple[str, ...], rows, *, returning: str | None = None) -> list:
    """Insert many rows fast: COPY them into a temporary staging table, then one
    INSERT … SELECT into `table` (so defaults, constraints and RETURNING still apply).
    Builds no model instances; `table` and `columns` are code, never user input."""
    column_list = ", ".join(columns)
    staging = f"_staging_{table}_{abs(hash(columns)) % 10**8}"
    with transaction.atomic(), server_cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {staging} ON COMMIT DELETE ROWS AS "
            f"SELECT {column_list} FROM {table} WITH NO DATA"
        )
        with cursor.copy(f"COPY {staging} ({column_list}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        suffix = f" RETURNING {returning}" if returning else ""
        cursor.execute(f"INSERT INTO {table} ({column_list}) SELECT {column_list} FROM {staging}{suffix}")
        result = cursor.fetchall() if returning else []
        cursor.execute(f"TRUNCATE {staging}")
    return result
