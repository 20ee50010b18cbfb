"""Joined lookups by key, written out once per process: the hot reads of every API write.

Two reads come before every vote: the token with its person and profile, and the comment with
its consultation (multi-table inheritance: three tables). Profiled in a uvicorn worker under
the vote benchmark, Django spent more CPU composing these two SELECTs on every request than
the database spent answering them: together about 45% of a vote's CPU in the worker.

A `JoinedLookup` builds its SELECT once, from the models' own metadata (table and column names,
never input), binds the key as a parameter, converts each value with the same converters the
ORM applies, and makes instances with `Model.from_db`, as a queryset does. Related objects are
put in the relation caches, as `select_related` does, so `token.user.profile` and
`comment.page` cost no further query. The result is what the equivalent queryset returns
(tests/consult/test_rows.py compares them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import Model


@dataclass(frozen=True)
class Table:
    """One model in the lookup: which fields to load (all when None)."""

    model: type[Model]
    attnames: tuple[str, ...] | None = None

    def fields(self):
        return [f for f in self.model._meta.concrete_fields if self.attnames is None or f.attname in self.attnames]


class JoinedLookup:
    """`SELECT <the tables' fields> FROM <from_sql(qn)> WHERE <where_sql(qn)>`, at most one row.

    `from_sql` and `where_sql` are given the backend's `quote_name` and write table and column
    names from model metadata, with `%s` for every value. Each table's first loaded field is
    its primary key, so a table an outer join found no row in comes back as None."""

    def __init__(self, tables: list[Table], from_sql: Callable[[Callable], str], where_sql: Callable[[Callable], str]):
        self.tables, self.from_sql, self.where_sql = tables, from_sql, where_sql
        self._compiled: dict[str, tuple[str, list]] = {}

    def _compile(self, alias: str):
        connection = connections[alias]
        qn = connection.ops.quote_name
        columns, plan = [], []
        for table in self.tables:
            fields = table.fields()
            converters = []
            for field in fields:
                col = field.get_col(field.model._meta.db_table)
                converters.append((col, connection.ops.get_db_converters(col) + col.get_db_converters(connection)))
                columns.append(f"{qn(field.model._meta.db_table)}.{qn(field.column)}")
            plan.append((table.model, [f.attname for f in fields], converters))
        sql = f"SELECT {', '.join(columns)} FROM {self.from_sql(qn)} WHERE {self.where_sql(qn)}"  # noqa: S608
        return sql, plan

    def fetch(self, params: list) -> list[Model | None] | None:
        """One instance per table (None where an outer join found no row), or None: no row."""
        alias = router.db_for_read(self.tables[0].model)
        compiled = self._compiled.get(alias)
        if compiled is None:
            compiled = self._compiled[alias] = self._compile(alias)
        sql, plan = compiled
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        instances, start = [], 0
        for model, attnames, converters in plan:
            values = list(row[start:start + len(attnames)])
            start += len(attnames)
            if values[0] is None:  # no primary key: an outer join found no row
                instances.append(None)
                continue
            for index, (col, field_converters) in enumerate(converters):
                for converter in field_converters:
                    values[index] = converter(values[index], col, connection)
            instances.append(model.from_db(alias, attnames, values))
        return instances


def relate(instance: Model, field_name: str, related: Model | None) -> None:
    """Cache `related` as `instance.<field_name>`, as select_related would have (a reverse
    one-to-one may cache None: "no such row", without a query)."""
    instance._meta.get_field(field_name).set_cached_value(instance, related)
