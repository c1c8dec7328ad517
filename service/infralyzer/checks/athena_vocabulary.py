"""What Athena (engine v3, Trino) accepts, as the portability check's rules read it.

The allowlist of Trino/Athena function names (``trino_functions.txt``), Trino's type names, the
keyword sets the token rules look at, and the one result type, :class:`Violation`. The rules
themselves are in ``athena_rules``; the reading of compiled SQL into statements in
``athena_statements``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.parser import Parser
from sqlglot.tokens import TokenType

ALLOWLIST_PATH = Path(__file__).with_name("trino_functions.txt")

T = TokenType

# Trino type names (the base word of a type); anything else in a cast is a DuckDB-style type.
TRINO_TYPES = frozenset(
    """
    BOOLEAN TINYINT SMALLINT INTEGER INT BIGINT REAL DOUBLE DECIMAL VARCHAR CHAR VARBINARY JSON
    DATE TIME TIMESTAMP INTERVAL ARRAY MAP ROW UUID IPADDRESS IPPREFIX HYPERLOGLOG P4HYPERLOGLOG
    SETDIGEST QDIGEST TDIGEST GEOMETRY SPHERICALGEOGRAPHY BINGTILE KDBTREE COLOR
    """.split()
) | {"DOUBLE PRECISION"}

# Type names that Trino accepts in a typed literal (`date '2024-01-01'`, `decimal '1.5'` ...).
TRINO_LITERAL_TYPES = TRINO_TYPES - {"ARRAY", "MAP", "ROW", "INTERVAL"}

INTERVAL_UNITS = frozenset({"YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND"})

# Keywords after which `[` starts a (DuckDB) list literal rather than a subscript.
EXPRESSION_START_KEYWORDS = frozenset(
    """
    SELECT WHERE AND OR NOT IN THEN ELSE WHEN CASE ON BY HAVING VALUES IS LIKE ILIKE BETWEEN
    DISTINCT ALL ANY SOME RETURN RETURNING SET AS FROM JOIN LIMIT OFFSET EXISTS ESCAPE USING
    QUALIFY WITH INTERVAL LATERAL OVER UNNEST INTO TO DO
    """.split()
)

# Words that end a GROUP BY ALL (i.e. `group by all` with nothing after it).
CLAUSE_END_WORDS = frozenset(
    """
    HAVING ORDER LIMIT OFFSET FETCH QUALIFY WINDOW UNION EXCEPT INTERSECT
    """.split()
)

DUCKDB_ONLY_STATEMENTS = frozenset(
    {"INSTALL", "LOAD", "ATTACH", "DETACH", "PRAGMA", "CHECKPOINT", "COPY", "EXPORT", "IMPORT",
     "SUMMARIZE"}
)
TRINO_SET_TARGETS = frozenset({"SESSION", "ROLE", "TIME", "PATH", "AUTHORIZATION"})
HIVE_DDL_STARTS = frozenset({"ALTER", "MSCK", "DROP", "SHOW", "DESCRIBE", "DESC"})

# Functions whose shared name hides a different DuckDB signature: name -> allowed arg counts.
TRINO_ARITY = {
    "date_add": {3},
    "date_diff": {3},
    "to_timestamp": {2},
    "to_date": {2},
}

# What sqlglot's DuckDB reader makes of `->` / `->>` (JSON operators, not Trino lambdas).
JSON_OPERATOR_NODES = (exp.JSONExtract, exp.JSONExtractScalar, exp.JSONBExtract,
                       exp.JSONBExtractScalar)

# Trino's special no-parenthesis functions (current_timestamp(3) etc. take a precision).
NO_PAREN_FUNCTIONS = frozenset(
    {"current_date", "current_time", "current_timestamp", "localtime", "localtimestamp",
     "current_user", "current_catalog", "current_schema"}
)

# Token types that one of the token rules in athena_rules.Checker.check_tokens looks at.
TOKEN_RULE_TYPES = frozenset(
    {T.DCOLON, T.ILIKE, T.GROUP_BY, T.ORDER_BY, T.L_BRACE, T.L_BRACKET, T.FROM, T.JOIN,
     T.QUALIFY, T.PIVOT, T.UNPIVOT, T.USING, T.TABLE_SAMPLE, T.DARROW, T.ARROW, T.ASOF,
     T.POSITIONAL, T.SEMI, T.ANTI, T.HASH, T.DISTINCT, T.UNION, T.EXCEPT, T.INTERSECT, T.STAR,
     T.DIV, T.DSTAR, T.CARET, T.AMP, T.PIPE, T.TILDE, T.EQ, T.COLON_EQ, T.LT, T.GT, T.GLOB,
     T.SIMILAR_TO, T.INTERVAL, T.COMMA, T.RETURNING, T.ON, T.UNKNOWN, T.LIKE, T.NATURAL,
     T.IDENTIFIER}
) | frozenset(Parser.TYPE_TOKENS)

# Type keywords that may open a typed literal (`timestamptz '...'`).
TYPED_LITERAL_TOKENS = frozenset(Parser.TYPE_TOKENS) - {T.UNKNOWN, T.NULL, T.INTERVAL}

WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*\Z")
SNIPPET_WIDTH = 120


@dataclass(frozen=True)
class Violation:
    path: str
    line: int | None
    construct: str
    snippet: str

    def format(self) -> str:
        line = "?" if self.line is None else str(self.line)
        return f"{self.path}:{line}: {self.construct}: {self.snippet}"


@lru_cache(maxsize=1)
def trino_functions() -> frozenset[str]:
    """The allowlist: Trino/Athena built-in function names, lowercase."""
    names = set()
    for raw in ALLOWLIST_PATH.read_text(encoding="utf-8").splitlines():
        name = raw.split("#", 1)[0].strip().lower()
        if name:
            names.add(name)
    return frozenset(names)


@lru_cache(maxsize=1)
def special_call_names() -> frozenset[str]:
    """Names that sqlglot parses with dedicated routines (no source position kept on the node)."""
    names: set[str] = {"IF", "MAP"}
    for dialect in ("duckdb", "athena", "trino"):
        names.update(Dialect.get_or_raise(dialect).parser_class.FUNCTION_PARSERS)
    return frozenset(names)
