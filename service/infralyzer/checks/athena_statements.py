"""Compiled SQL read as statements, each with its tokens and both parsers' view of it.

A file is tokenised once (DuckDB's tokenizer, which sees DuckDB-only syntax; Athena's when DuckDB's
fails) and split at semicolons. Each statement is parsed with the DuckDB dialect (which *sees*
DuckDB-only constructs) and with the Athena dialect on its own text (which reports what Athena
cannot read). Source positions stay offsets into the whole file, so every finding names its line.
The rules that read a :class:`Statement` are in ``athena_rules``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError, SqlglotError
from sqlglot.tokens import Token, TokenType

from infralyzer.checks.athena_vocabulary import HIVE_DDL_STARTS, JSON_OPERATOR_NODES, WORD

_DUCKDB = Dialect.get_or_raise("duckdb")
_ATHENA = Dialect.get_or_raise("athena")

T = TokenType


@contextmanager
def quiet_sqlglot() -> Iterator[None]:
    """sqlglot logs a warning when it falls back to exp.Command; that is not our output."""
    logger = logging.getLogger("sqlglot")
    previous = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(previous)


def is_word(token: Token) -> bool:
    return bool(WORD.match(token.text))


def upper_text(token: Token | None) -> str:
    return token.text.upper() if token is not None else ""


@dataclass
class Statement:
    sql: str
    tokens: list[Token]  # this statement's tokens (absolute offsets into sql)
    duck: exp.Expr | None = None
    athena: exp.Expr | None = None
    athena_error: tuple[int | None, str] | None = None
    hive_ddl: bool = False
    type_tokens: set[int] = field(default_factory=set)  # indices (into tokens) inside a type
    duck_facts: set[str] | None = None
    func_nodes: list[tuple[exp.Expr, bool]] = field(default_factory=list)  # (node, from DuckDB)

    # -- token helpers ------------------------------------------------------------------------
    def tok(self, i: int) -> Token | None:
        return self.tokens[i] if 0 <= i < len(self.tokens) else None

    def is_type(self, i: int, token_type: TokenType) -> bool:
        token = self.tok(i)
        return token is not None and token.token_type == token_type

    def word(self, i: int) -> str:
        token = self.tok(i)
        return token.text.upper() if token is not None and is_word(token) else ""

    def matching(self, i: int) -> int:
        """Index of the bracket closing the one opened at i (or len(tokens))."""
        opening = self.tokens[i].token_type
        closing = {T.L_PAREN: T.R_PAREN, T.L_BRACKET: T.R_BRACKET, T.L_BRACE: T.R_BRACE}[opening]
        depth = 0
        for j in range(i, len(self.tokens)):
            token_type = self.tokens[j].token_type
            if token_type == opening:
                depth += 1
            elif token_type == closing:
                depth -= 1
                if depth == 0:
                    return j
        return len(self.tokens)

    def collect_ast_facts(self) -> None:
        """One walk over each AST: DuckDB-only node kinds, and the function-call nodes."""
        if self.duck is not None:
            facts = self.duck_facts = set()
            for node in self.duck.walk():
                if isinstance(node, exp.Func):
                    self.func_nodes.append((node, True))
                    if isinstance(node, JSON_OPERATOR_NODES) and not (
                        node._meta and "start" in node._meta  # noqa: SLF001
                    ):
                        facts.add("json_operator")
                elif isinstance(node, exp.Star):
                    if any(node.args.get(k) for k in ("except_", "except", "replace", "rename")):
                        facts.add("star_modifiers")
                elif isinstance(node, exp.Qualify):
                    facts.add("qualify")
                elif isinstance(node, exp.Pivot):
                    facts.add("pivot")
                elif isinstance(node, exp.Join):
                    if _upper_name(node.args.get("method")) in {"ASOF", "POSITIONAL"}:
                        facts.add("asof_positional")
        if self.athena is not None:
            self.func_nodes.extend(
                (node, False) for node in self.athena.walk() if isinstance(node, exp.Func)
            )

    def duck_has(self, fact: str) -> bool | None:
        """Whether the DuckDB AST shows fact (None when DuckDB could not parse the statement)."""
        return None if self.duck_facts is None else fact in self.duck_facts


def split_statements(tokens: list[Token]) -> Iterator[list[Token]]:
    """The tokens of each statement (semicolons dropped, empty statements skipped)."""
    current: list[Token] = []
    for token in tokens + [None]:  # type: ignore[list-item]
        if token is None or token.token_type == T.SEMICOLON:
            if current:
                yield current
            current = []
        else:
            current.append(token)


def parse_statement(sql: str, tokens: list[Token], token_dialect: str) -> Statement:
    """One statement of sql (its tokens, from the tokenizer of token_dialect), parsed both ways."""
    statement = Statement(sql, tokens)
    offset = tokens[0].start
    chunk = sql[offset : tokens[-1].end + 1]
    line_offset = sql.count("\n", 0, offset)
    with quiet_sqlglot():
        try:
            if token_dialect == "duckdb":
                # parse this statement's own tokens: positions stay absolute
                parsed = _DUCKDB.parser().parse(tokens, sql)
            else:
                parsed = _DUCKDB.parse(chunk)
            parsed = [e for e in parsed if e is not None]
            statement.duck = parsed[0] if len(parsed) == 1 else None
        except (SqlglotError, RecursionError):
            statement.duck = None
        try:
            # Athena routes a statement to its Hive or Trino engine by looking at the
            # statement alone, so parse it on its own text.
            parsed = [e for e in _ATHENA.parse(chunk) if e is not None]
            statement.athena = parsed[0] if len(parsed) == 1 else None
        except ParseError as error:
            details = error.errors[0] if error.errors else {}
            line = details.get("line")
            message = details.get("description") or str(error).splitlines()[0]
            statement.athena_error = (
                line + line_offset if isinstance(line, int) else tokens[0].line, message
            )
        except (SqlglotError, RecursionError) as error:
            message = str(error).splitlines()[0] if str(error) else type(error).__name__
            statement.athena_error = (tokens[0].line, message)
    if isinstance(statement.duck, exp.Command):
        statement.duck = None
    if token_dialect != "duckdb":
        shift_positions(statement.duck, offset)
    shift_positions(statement.athena, offset)
    statement.collect_ast_facts()
    first = statement.word(0)
    statement.hive_ddl = first in HIVE_DDL_STARTS or (
        first == "CREATE"
        and (
            any(statement.word(i) == "EXTERNAL" for i in range(1, 6))
            or not any(t.token_type in (T.SELECT, T.FROM) for t in tokens)
        )
    )
    return statement


def shift_positions(ast: exp.Expr | None, offset: int) -> None:
    """Move source positions of a statement parsed on its own text to the whole file's text."""
    if ast is None or offset == 0:
        return
    shifted: set[int] = set()
    for node in ast.walk():
        meta = node._meta  # noqa: SLF001 - read without creating empty dicts
        if meta and "start" in meta and id(meta) not in shifted:
            shifted.add(id(meta))
            meta["start"] += offset
            meta["end"] += offset


def _upper_name(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, exp.Expr):
        return value.name.upper()
    return str(value).upper()
