"""The rules of the Athena portability check: what in a statement Athena (Trino) cannot run.

:class:`Checker` reads one file of compiled SQL (as ``athena_statements`` splits and parses it) and
reports, per source position, the first rule that matches:

* the statement kind (DuckDB-only statements such as ``install``, ``attach``, ``create macro``);
* the types in casts (DuckDB type names, list types);
* tokens, which keep the text as written: ``::``, ``ilike``, ``qualify``, ``group by all``, list
  and struct literals, ``from 'file'``, DuckDB operators, unquoted intervals ...;
* function names as written, against the allowlist (``athena_vocabulary.trino_functions``);
* what the Athena parser rejects, reported as ``unparseable``.

Hive DDL that Athena runs on its Hive engine is only checked for parseability.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.tokens import Token, TokenType

from infralyzer.checks.athena_statements import (
    Statement,
    is_word,
    parse_statement,
    split_statements,
    upper_text,
)
from infralyzer.checks.athena_vocabulary import (
    CLAUSE_END_WORDS,
    DUCKDB_ONLY_STATEMENTS,
    EXPRESSION_START_KEYWORDS,
    INTERVAL_UNITS,
    NO_PAREN_FUNCTIONS,
    SNIPPET_WIDTH,
    TOKEN_RULE_TYPES,
    TRINO_ARITY,
    TRINO_LITERAL_TYPES,
    TRINO_SET_TARGETS,
    TRINO_TYPES,
    TYPED_LITERAL_TOKENS,
    Violation,
    special_call_names,
    trino_functions,
)

T = TokenType


class Checker:
    """Every rule, applied to one file of SQL; run() returns its violations in source order."""

    def __init__(self, sql: str, path: str) -> None:
        self.sql = sql
        self.path = path
        self.violations: list[tuple[int, Violation]] = []
        self._seen_positions: set[int] = set()
        self.token_dialect = "duckdb"

    # -- reporting -----------------------------------------------------------------------------
    def report(self, construct: str, token: Token | None = None, *, line: int | None = None,
               snippet: str | None = None, start: int | None = None,
               dedupe: bool = True) -> None:
        """Record one violation; by default one per source position (the first check wins)."""
        if token is not None:
            start = token.start
            line = token.line
        position = -1 if start is None else start
        if dedupe and position >= 0:
            if position in self._seen_positions:
                return
            self._seen_positions.add(position)
        if snippet is None:
            snippet = self._snippet(position) if position >= 0 else ""
        self.violations.append((position, Violation(self.path, line, construct, snippet)))

    def _snippet(self, start: int) -> str:
        sql = self.sql
        line_start = sql.rfind("\n", 0, start) + 1
        line_end = sql.find("\n", start)
        if line_end < 0:
            line_end = len(sql)
        text = sql[line_start:line_end]
        if len(text.strip()) <= SNIPPET_WIDTH:
            return text.strip()
        col = start - line_start
        lo = max(0, col - 40)
        hi = min(len(text), lo + SNIPPET_WIDTH)
        return ("…" if lo > 0 else "") + text[lo:hi].strip() + ("…" if hi < len(text) else "")

    # -- driver --------------------------------------------------------------------------------
    def run(self) -> list[Violation]:
        tokens = self._tokenize()
        if tokens is None:
            return [v for _, v in self.violations]
        for statement_tokens in split_statements(tokens):
            self._check_statement(parse_statement(self.sql, statement_tokens, self.token_dialect))
        self.violations.sort(key=lambda item: (item[1].line or 0, item[0]))
        return [v for _, v in self.violations]

    def _tokenize(self) -> list[Token] | None:
        errors = []
        for dialect in ("duckdb", "athena"):
            try:
                tokens = sqlglot.tokenize(self.sql, read=dialect)
                self.token_dialect = dialect
                return tokens
            except SqlglotError as error:
                errors.append(str(error).splitlines()[0])
        self.report("unparseable", line=None, snippet=errors[-1][:SNIPPET_WIDTH])
        return None


    def _check_statement(self, st: Statement) -> None:
        self._check_statement_kind(st)
        if not st.hive_ddl:
            self._check_types(st)
            self._check_tokens(st)
            self._check_functions(st)
        if st.athena_error is not None:
            line, message = st.athena_error
            self.report(
                "unparseable",
                line=line,
                start=st.tokens[-1].end,  # sorts after the specific findings of the statement
                snippet=f"Athena parser: {message}"[: SNIPPET_WIDTH * 2],
                dedupe=False,
            )

    # -- statement level -----------------------------------------------------------------------
    def _check_statement_kind(self, st: Statement) -> None:
        first = st.word(0)
        second = st.word(1)
        head = st.tokens[0]
        if first in DUCKDB_ONLY_STATEMENTS:
            self.report(f"DuckDB-only statement {first.lower()}", head)
        elif first == "FORCE" and second:
            self.report(f"DuckDB-only statement force {second.lower()}", head)
        elif first == "SET" and second not in TRINO_SET_TARGETS:
            self.report("DuckDB SET statement", head)
        elif first == "RESET" and second != "SESSION":
            self.report("DuckDB RESET statement", head)
        elif first == "INSERT" and second == "OR":
            self.report(f"insert or {st.word(2).lower()}", head)
        elif first == "CREATE":
            for i in range(1, min(len(st.tokens), 8)):
                token = st.tokens[i]
                word = st.word(i)
                if token.token_type == T.TEMPORARY or word in {"TEMP", "TEMPORARY"}:
                    self.report("create temporary object", token)
                    break
                if word == "MACRO":
                    self.report("create macro", token)
                    break
                if word in {"FUNCTION", "SEQUENCE", "TYPE", "SECRET", "INDEX"}:
                    self.report(f"create {word.lower()}", token)
                    break
                if word in {"TABLE", "VIEW", "SCHEMA", "DATABASE"}:
                    break

    # -- types in casts --------------------------------------------------------------------------
    def _check_types(self, st: Statement) -> None:
        stack: list[bool] = []  # True where the open paren belongs to CAST/TRY_CAST
        i = 0
        n = len(st.tokens)
        while i < n:
            token = st.tokens[i]
            tt = token.token_type
            if tt == T.L_PAREN:
                prev = st.tok(i - 1)
                stack.append(upper_text(prev) in {"CAST", "TRY_CAST"} and not st.is_type(i - 2, T.DOT))
            elif tt == T.R_PAREN:
                if stack:
                    stack.pop()
            elif tt == T.DCOLON or (tt == T.ALIAS and stack and stack[-1]):
                i = self._scan_type(st, i + 1)
                continue
            i += 1

    def _scan_type(self, st: Statement, i: int) -> int:
        """Check the type starting at token i; return the index after it."""
        token = st.tok(i)
        if token is None or token.token_type in (T.L_PAREN, T.R_PAREN, T.COMMA, T.STRING):
            return i
        name = " ".join(token.text.upper().split())
        st.type_tokens.add(i)
        j = i + 1
        if name == "INTERVAL":
            if st.word(j) in INTERVAL_UNITS:
                st.type_tokens.add(j)
                j += 1
                if st.word(j) == "TO" and st.word(j + 1) in INTERVAL_UNITS:
                    st.type_tokens.update({j, j + 1})
                    j += 2
            return j
        if st.is_type(j, T.L_PAREN):
            close = st.matching(j)
            st.type_tokens.update(range(j, min(close + 1, len(st.tokens))))
            if name in {"ARRAY", "MAP", "ROW", "STRUCT", "LIST", "UNION"}:
                self._scan_type_list(st, j + 1, close, fields=name in {"ROW", "STRUCT", "UNION"})
            j = close + 1
        elif st.is_type(j, T.LT) and name in {"ARRAY", "MAP", "ROW", "STRUCT"}:
            # ARRAY<varchar>, MAP<varchar, bigint>: accepted by Trino's type grammar
            depth, k = 0, j
            while k < len(st.tokens):
                kt = st.tokens[k].token_type
                depth += kt == T.LT
                depth -= kt == T.GT
                if depth == 0:
                    break
                k += 1
            st.type_tokens.update(range(j, min(k + 1, len(st.tokens))))
            self._scan_type_list(st, j + 1, k, fields=name != "ARRAY" and name != "MAP",
                                 separator_close=T.GT)
            j = k + 1
        time_zone = (st.word(j + 1), st.word(j + 2)) == ("TIME", "ZONE")
        if st.word(j) in {"WITH", "WITHOUT"} and time_zone:
            st.type_tokens.update({j, j + 1, j + 2})
            j += 3
        if name not in TRINO_TYPES:
            self.report(f"DuckDB type {token.text.lower()}", token)
        while st.is_type(j, T.L_BRACKET):
            close = st.matching(j)
            st.type_tokens.update(range(j, min(close + 1, len(st.tokens))))
            self.report(f"DuckDB list type {token.text.lower()}[]", st.tokens[j])
            j = close + 1
        return j

    def _scan_type_list(self, st: Statement, start: int, stop: int, *, fields: bool,
                        separator_close: TokenType = T.R_PAREN) -> None:
        k = start
        while k < stop:
            nxt = st.tok(k + 1)
            if fields and nxt is not None \
                    and (st.tokens[k].token_type == T.IDENTIFIER or is_word(st.tokens[k])) \
                    and nxt.token_type not in (T.COMMA, T.L_PAREN, T.LT, separator_close, T.COLON):
                k += 1  # field name of ROW(name type, ...)
            elif fields and st.is_type(k + 1, T.COLON):
                k += 2  # STRUCT<name: type>
            k = self._scan_type(st, k)
            # skip to the next top-level comma
            while k < stop and st.tokens[k].token_type != T.COMMA:
                if st.tokens[k].token_type in (T.L_PAREN, T.L_BRACKET):
                    k = st.matching(k)
                k += 1
            k += 1

    # -- token level ---------------------------------------------------------------------------
    def _check_tokens(self, st: Statement) -> None:
        tokens = st.tokens
        star_modifiers = st.duck_has("star_modifiers")
        has_qualify = st.duck_has("qualify")
        has_pivot = st.duck_has("pivot")
        join_methods = st.duck_has("asof_positional")
        json_arrows = st.duck_has("json_operator")
        depth = 0
        limit_seen: dict[int, bool] = {}
        backtick_open = False
        type_tokens = st.type_tokens
        for i, token in enumerate(tokens):
            tt = token.token_type
            if tt == T.L_PAREN:
                depth += 1
            elif tt == T.R_PAREN:
                limit_seen.pop(depth, None)
                depth -= 1
            # LIMIT ... OFFSET (Trino wants OFFSET before LIMIT)
            elif tt == T.SELECT:
                limit_seen[depth] = False
            elif tt == T.LIMIT:
                limit_seen[depth] = True
                after = st.tok(i + 2)
                if st.is_type(i + 1, T.NUMBER) and after is not None and (
                        after.token_type in (T.MOD, T.PERCENT)):
                    self.report("limit with percentage", token)
            elif tt == T.OFFSET and limit_seen.get(depth):
                self.report("limit before offset", token)
            if i in type_tokens:
                continue
            if tt not in TOKEN_RULE_TYPES and not (
                tt == T.VAR and token.text.upper() in {"BY", "LAMBDA"}
            ):
                continue  # fast path: most tokens have no rule
            prev = st.tok(i - 1)
            nxt = st.tok(i + 1)
            word = st.word(i)

            if tt == T.DCOLON:
                self.report("'::' cast", token)
            elif tt == T.ILIKE:
                self.report("ilike", token)
            elif tt == T.GROUP_BY and nxt is not None and nxt.token_type == T.ALL:
                after = st.tok(i + 2)
                if after is None or after.token_type in (T.R_PAREN, T.SEMICOLON) \
                        or upper_text(after) in CLAUSE_END_WORDS or after.token_type == T.ORDER_BY:
                    self.report("group by all", token)
            elif tt == T.ORDER_BY and nxt is not None and nxt.token_type == T.ALL:
                self.report("order by all", token)
            elif tt == T.L_BRACE:
                if nxt is not None and nxt.token_type in (T.L_BRACE, T.MOD) \
                        and nxt.start == token.end + 1:
                    self.report("unrendered Jinja", token)
                elif upper_text(prev) == "MAP":
                    self.report("map literal MAP {...}", token)
                else:
                    self.report("struct literal {...}", token)
            elif tt == T.L_BRACKET:
                self._check_bracket(st, i)
            elif tt in (T.FROM, T.JOIN) and nxt is not None and nxt.token_type == T.STRING:
                self.report("string literal as table (FROM 'file')", nxt)
            elif tt == T.FROM and self._is_from_first(st, i):
                self.report("FROM-first query", token)
            elif tt == T.QUALIFY and has_qualify is not False:
                self.report("qualify clause", token)
            elif tt in (T.PIVOT, T.UNPIVOT) and has_pivot is not False:
                self.report(token.text.lower(), token)
            elif tt == T.USING and st.word(i + 1) == "SAMPLE":
                self.report("using sample", token)
            elif tt == T.TABLE_SAMPLE:
                self._check_tablesample(st, i)
            elif tt == T.DARROW:
                self.report("'->>' JSON operator", token)
            elif tt == T.ARROW and json_arrows is not False and not self._is_lambda_arrow(st, i):
                self.report("'->' JSON operator", token)
            elif tt in (T.ASOF, T.POSITIONAL) and join_methods is not False:
                self.report(f"{token.text.lower()} join", token)
            elif tt in (T.SEMI, T.ANTI) and nxt is not None and nxt.token_type == T.JOIN:
                self.report(f"{token.text.lower()} join", token)
            elif tt == T.HASH and nxt is not None and nxt.token_type == T.NUMBER:
                self.report(f"positional column #{nxt.text}", token)
            elif tt == T.DISTINCT and nxt is not None and nxt.token_type == T.ON:
                self.report("select distinct on", token)
            elif tt in (T.UNION, T.EXCEPT, T.INTERSECT):
                k = i + 1
                if st.word(k) in {"ALL", "DISTINCT"}:
                    k += 1
                if st.word(k) == "BY" and st.word(k + 1) == "NAME":
                    self.report(f"{token.text.lower()} by name", token)
            elif tt == T.STAR and star_modifiers is not False and st.word(i + 1) in {
                    "EXCLUDE", "EXCEPT", "REPLACE", "RENAME"}:
                self.report(f"select * {st.word(i + 1).lower()}", tokens[i + 1])
            elif tt == T.DIV and token.text == "//":
                self.report("'//' integer division", token)
            elif tt == T.DSTAR:
                self.report("'**' power operator", token)
            elif tt == T.CARET:
                self.report("'^' power operator", token)
            elif tt == T.AMP:
                if not (upper_text(prev) == "U" and nxt is not None and nxt.token_type == T.STRING
                        and prev.end + 1 == token.start == nxt.start - 1):
                    self.report("'&' bitwise operator", token)  # (U&'...' is a Unicode string)
            elif tt == T.PIPE:
                self.report("'|' bitwise operator", token)
            elif tt == T.TILDE:
                self.report("'~' operator", token)
            elif tt == T.EQ and token.text == "==":
                self.report("'==' comparison", token)
            elif tt == T.COLON_EQ:
                self.report("':=' named argument", token)
            elif tt in (T.LT, T.GT) and nxt is not None and nxt.token_type == tt \
                    and nxt.start == token.end + 1:
                self.report(f"'{token.text * 2}' shift operator", token)
            elif tt == T.GLOB and not (nxt is not None and nxt.token_type == T.L_PAREN):
                self.report("glob operator", token)
            elif tt == T.LIKE and token.text == "~~":
                self.report("'~~' like operator", token)
            elif tt == T.NATURAL:
                self.report("natural join", token)
            elif tt == T.SIMILAR_TO:
                self.report("similar to", token)
            elif tt == T.INTERVAL:
                self._check_interval(st, i)
            elif tt in TYPED_LITERAL_TOKENS and nxt is not None and nxt.token_type == T.STRING \
                    and " ".join(token.text.upper().split()) not in TRINO_LITERAL_TYPES:
                self.report(f"DuckDB typed literal {token.text.lower()} '...'", token)
            elif tt == T.COMMA and nxt is not None and nxt.token_type in (
                    T.FROM, T.R_PAREN, T.R_BRACKET):
                self.report("trailing comma", token)
            elif tt == T.RETURNING:
                self.report("returning clause", token)
            elif tt == T.ON and st.word(i + 1) == "CONFLICT":
                self.report("on conflict", token)
            elif word == "BY" and st.word(i + 1) in {"NAME", "POSITION"} \
                    and st.word(0) == "INSERT" \
                    and not any(t.token_type in (T.SELECT, T.VALUES) for t in tokens[:i]):
                self.report(f"insert by {st.word(i + 1).lower()}", token)
            elif word == "LAMBDA" and nxt is not None and is_word(nxt) \
                    and (st.is_type(i + 2, T.COLON) or st.is_type(i + 2, T.COMMA)):
                self.report("lambda keyword", token)
            elif tt == T.IDENTIFIER and ("{{" in token.text or "{%" in token.text):
                self.report("unrendered Jinja in quoted identifier", token)
            elif tt == T.UNKNOWN and token.text == "`":
                if not backtick_open:
                    self.report("backtick-quoted identifier", token)
                backtick_open = not backtick_open

    @staticmethod
    def _is_from_first(st: Statement, i: int) -> bool:
        """FROM opening a query: at the start of a statement, after AS or after '('."""
        prev = st.tok(i - 1)
        if prev is None or prev.token_type == T.ALIAS:
            return True
        if prev.token_type != T.L_PAREN:
            return False
        caller = st.tok(i - 2)  # trim(from x), extract(... from ...) etc. are function syntax
        return caller is None or not (
            caller.token_type in (T.VAR, T.IDENTIFIER)
            or (is_word(caller) and caller.text.upper() not in EXPRESSION_START_KEYWORDS)
        )

    def _check_bracket(self, st: Statement, i: int) -> None:
        prev = st.tok(i - 1)
        close = st.matching(i)
        if prev is not None and upper_text(prev) == "ARRAY":
            return  # Trino ARRAY[...] constructor
        operand_end = prev is not None and (
            prev.token_type in (T.VAR, T.IDENTIFIER, T.R_PAREN, T.R_BRACKET, T.STRING)
            or (is_word(prev) and prev.text.upper() not in EXPRESSION_START_KEYWORDS
                and prev.token_type not in (T.SELECT, T.WHERE, T.FROM, T.JOIN, T.ON, T.IN))
        )
        if not operand_end:
            self.report("list literal [...]", st.tokens[i])
            return
        depth = 0
        for k in range(i + 1, close):
            kt = st.tokens[k].token_type
            if kt in (T.L_PAREN, T.L_BRACKET, T.L_BRACE):
                depth += 1
            elif kt in (T.R_PAREN, T.R_BRACKET, T.R_BRACE):
                depth -= 1
            elif kt == T.COLON and depth == 0:
                self.report("list slicing [a:b]", st.tokens[i])
                return

    def _check_tablesample(self, st: Statement, i: int) -> None:
        token = st.tokens[i]
        method = st.word(i + 1)
        if method not in {"BERNOULLI", "SYSTEM"}:
            following = st.tok(i + 1)
            label = following.text.lower() if following is not None else ""
            self.report(f"tablesample {label} (Trino: bernoulli|system (percent))", token)
            return
        if not st.is_type(i + 2, T.L_PAREN):
            self.report("tablesample without (percentage)", token)
            return
        close = st.matching(i + 2)
        for k in range(i + 3, close):
            if st.tokens[k].token_type in (T.MOD, T.PERCENT) or st.word(k) in {"ROWS", "PERCENT"}:
                self.report("tablesample with rows/% size", token)
                return

    def _is_lambda_arrow(self, st: Statement, i: int) -> bool:
        prev = st.tok(i - 1)
        if prev is None:
            return False
        if prev.token_type == T.R_PAREN:
            # (a, b) -> ... : the parenthesised list must hold only names and commas
            depth, k = 0, i - 1
            while k >= 0:
                kt = st.tokens[k].token_type
                if kt == T.R_PAREN:
                    depth += 1
                elif kt == T.L_PAREN:
                    depth -= 1
                    if depth == 0:
                        break
                elif kt != T.COMMA and not is_word(st.tokens[k]) and kt != T.IDENTIFIER:
                    return False
                k -= 1
            before = st.tok(k - 1)
            return before is not None and before.token_type in (T.L_PAREN, T.COMMA)
        if prev.token_type in (T.VAR, T.IDENTIFIER) or is_word(prev):
            before = st.tok(i - 2)
            if before is None or before.token_type not in (T.L_PAREN, T.COMMA):
                return False
            # a lambda is an argument of a function call: find the enclosing '('
            depth, k = 0, i - 2
            while k >= 0:
                kt = st.tokens[k].token_type
                if kt in (T.R_PAREN, T.R_BRACKET):
                    depth += 1
                elif kt in (T.L_PAREN, T.L_BRACKET):
                    if depth == 0:
                        break
                    depth -= 1
                k -= 1
            if k < 0 or st.tokens[k].token_type != T.L_PAREN:
                return False
            caller = st.tok(k - 1)
            nxt = st.tok(i + 1)
            body_is_literal = nxt is not None and nxt.token_type in (T.STRING, T.NUMBER)
            return caller is not None and is_word(caller) and not body_is_literal
        return False

    def _check_interval(self, st: Statement, i: int) -> None:
        token = st.tokens[i]
        j = i + 1
        if st.tok(j) is not None and st.tokens[j].token_type in (T.PLUS, T.DASH):
            j += 1
        value = st.tok(j)
        if value is None:
            return
        if value.token_type != T.STRING:
            if st.word(j) in INTERVAL_UNITS:
                return  # the INTERVAL DAY TO SECOND type
            self.report("unquoted interval (Trino: interval '3' month)", token)
            return
        unit = st.word(j + 1)
        if unit in INTERVAL_UNITS:
            return
        if unit.rstrip("S") in INTERVAL_UNITS or unit in {"WEEK", "WEEKS", "QUARTER", "QUARTERS",
                                                         "MILLISECOND", "MILLISECONDS",
                                                         "MICROSECOND", "MICROSECONDS"}:
            self.report(f"interval unit {unit.lower()} (Trino: year|month|day|hour|minute|second)",
                        token)
        else:
            self.report("interval without unit (Trino: interval '3' month)", token)

    # -- function names --------------------------------------------------------------------------
    def _check_functions(self, st: Statement) -> None:
        allow = trino_functions()
        by_start = {t.start: k for k, t in enumerate(st.tokens)}
        calls: dict[int, exp.Expr | None] = {}
        for node, _from_duckdb in st.func_nodes:
            meta = node._meta  # noqa: SLF001
            if not meta or "start" not in meta:
                continue
            k = by_start.get(meta["start"])
            if k is None or not st.is_type(k + 1, T.L_PAREN):
                continue
            calls.setdefault(k, node)  # DuckDB's nodes come first: they know FROM context
        special = special_call_names()
        for k, token in enumerate(st.tokens):
            if k in calls or k in st.type_tokens or not st.is_type(k + 1, T.L_PAREN):
                continue
            if token.text.upper() in special and not st.is_type(k - 1, T.DOT):
                calls[k] = None
        if st.duck is None and st.athena is None:
            calls.update({k: None for k in self._heuristic_calls(st) if k not in calls})

        for k in sorted(calls):
            if k in st.type_tokens:
                continue
            token = st.tokens[k]
            node = calls[k]
            name = token.text.strip('"`').lower()
            prev = st.tok(k - 1)
            if name in NO_PAREN_FUNCTIONS and (
                    name in {"current_date", "current_user", "current_catalog", "current_schema"}
                    or st.is_type(k + 2, T.R_PAREN)):
                self.report(f"{name}() with parentheses (Trino: {name})", token)
                continue
            if prev is not None and prev.token_type == T.DOT:
                self.report(f"qualified or method-style call .{name}()", token)
                continue
            in_from = (
                node is not None and isinstance(node.parent, (exp.Table, exp.From, exp.Join))
            ) or (prev is not None and prev.token_type in (T.FROM, T.JOIN))
            if name not in allow:
                if name == "columns":
                    self.report("columns(*) expression", token)
                elif name == "unnest":
                    self.report("unnest() outside FROM (Trino: cross join unnest(...))", token)
                elif in_from:
                    self.report(f"DuckDB table function {name}()", token)
                else:
                    self.report(f"non-Trino function {name}()", token)
                continue
            arities = TRINO_ARITY.get(name)
            if arities is not None:
                count = self._arg_count(st, k + 1)
                if count not in arities:
                    self.report(f"{name}() with {count} argument(s) (DuckDB signature)", token)

    def _arg_count(self, st: Statement, open_index: int) -> int:
        close = st.matching(open_index)
        if close == open_index + 1:
            return 0
        depth, count = 0, 1
        for k in range(open_index + 1, close):
            kt = st.tokens[k].token_type
            if kt in (T.L_PAREN, T.L_BRACKET, T.L_BRACE):
                depth += 1
            elif kt in (T.R_PAREN, T.R_BRACKET, T.R_BRACE):
                depth -= 1
            elif kt == T.COMMA and depth == 0:
                count += 1
        return count

    def _heuristic_calls(self, st: Statement) -> list[int]:
        """Function calls by token shape, used only when no parser understood the statement."""
        not_calls = EXPRESSION_START_KEYWORDS | {
            "FILTER", "ROLLUP", "CUBE", "SETS", "TABLE", "PARTITION", "BERNOULLI", "SYSTEM",
            "ORDINALITY", "WINDOW", "ROW", "ARRAY", "VALUES", "KEY", "PRIMARY", "UNIQUE", "CHECK",
            "REFERENCES", "EXCLUDE", "RENAME", "CONFLICT", "PATTERN", "DEFINE", "MEASURES",
            "SUBSET", "MATCH_RECOGNIZE", "GROUP", "ORDER", "RECURSIVE", "DECIMAL", "VARCHAR",
            "CHAR", "TIMESTAMP", "TIME",
        }
        found = []
        for k, token in enumerate(st.tokens):
            if not st.is_type(k + 1, T.L_PAREN):
                continue
            if not (is_word(token) or token.token_type == T.IDENTIFIER):
                continue
            prev = st.tok(k - 1)
            if token.text.upper() in not_calls:
                continue
            if prev is not None and (
                prev.token_type in (T.ALIAS, T.R_PAREN, T.INTO, T.TABLE, T.WITH)
                or upper_text(prev) in {"TABLE", "INTO", "AS"}
            ):
                continue  # relation or CTE with a column list
            if prev is not None and is_word(prev) and upper_text(prev) not in EXPRESSION_START_KEYWORDS:
                continue  # table alias with column list: `unnest(x) t(a)` / `from tbl t(a)`
            found.append(k)
        return found
