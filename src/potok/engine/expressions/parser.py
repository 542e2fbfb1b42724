"""A Pratt parser for the Potok expression language and its Camunda dialects.

Precedence, loosest first: ``if … then … else`` (and JUEL ``c ? a : b``), ``or``/``||``,
``and``/``&&``, ``not``, comparisons (``= == != <> < <= > >= in, not in, is null,
between``; not chainable), ``+ -``, ``* / %``, unary ``-``/``!``, then ``.name``, ``[index]``
and calls.
"""

from __future__ import annotations

import enum
from decimal import Decimal

from potok.engine.expressions import nodes
from potok.engine.expressions.errors import ExpressionError
from potok.engine.expressions.lexer import Token, TokenKind, tokenize

MAX_SOURCE_LENGTH = 65_536
MAX_NESTING = 100
MAX_DEPTH = 200


class Dialect(enum.StrEnum):
    """Which syntax an expression is written in.

    ``AUTO`` picks one by prefix: ``${…}``/``#{…}`` is Camunda 7 JUEL, a leading ``=`` is
    Camunda 8 FEEL, anything else is Potok syntax.

    Example: ``compile_expression("${a gt 1}").dialect is Dialect.JUEL``.
    """

    AUTO = "auto"
    POTOK = "potok"
    JUEL = "juel"
    FEEL = "feel"


KEYWORDS = frozenset(
    {"null", "true", "false", "and", "or", "not", "in", "is", "between", "if", "then", "else"}
)
JUEL_KEYWORDS = frozenset({"eq", "ne", "gt", "lt", "ge", "le", "empty", "div", "mod"})
COMPARISONS = {"==": "==", "=": "==", "!=": "!=", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
JUEL_COMPARISONS = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}

TERNARY, OR, AND, NOT, COMPARE, ADD, MULTIPLY, UNARY, POSTFIX = 1, 2, 3, 4, 5, 6, 7, 8, 9


def locate(source: str, dialect: Dialect) -> tuple[Dialect, int, int]:
    """Find the dialect and the part of ``source`` that holds the expression proper."""
    begin = len(source) - len(source.lstrip())
    end = max(len(source.rstrip()), begin)
    body = source[begin:end]
    if body.startswith(("${", "#{")) and dialect in (Dialect.AUTO, Dialect.JUEL):
        if not body.endswith("}"):
            raise ExpressionError(f"'{body[:2]}' is not closed by '}}'", begin, source)
        return Dialect.JUEL, begin + 2, end - 1
    if body.startswith("=") and dialect in (Dialect.AUTO, Dialect.FEEL):
        return Dialect.FEEL, begin + 1, end
    if dialect is Dialect.AUTO:
        return Dialect.POTOK, begin, end
    return dialect, begin, end


def parse(source: str, dialect: Dialect = Dialect.AUTO) -> tuple[nodes.Node, Dialect]:
    """Parse ``source`` into a tree; returns the tree and the dialect it was read as."""
    check_size(source)
    found, begin, end = locate(source, dialect)
    parser = Parser(source, found, begin, end)
    return parser.parse(), found


def check_size(source: str) -> None:
    """Refuse sources longer than :data:`MAX_SOURCE_LENGTH` before doing any work on them."""
    if len(source) > MAX_SOURCE_LENGTH:
        raise ExpressionError(
            f"expression is {len(source)} characters long; the limit is {MAX_SOURCE_LENGTH}", 0, None
        )


class Parser:
    """Recursive descent with precedence climbing over a token list.

    Example::

        >>> Parser("a > 1", Dialect.POTOK).parse()
        Binary(operator='>', left=Name(name='a', position=0), right=Literal(value=1, position=4), position=2)
    """

    def __init__(
        self,
        source: str,
        dialect: Dialect,
        begin: int = 0,
        end: int | None = None,
        *,
        allow_placeholder: bool = False,
    ) -> None:
        self.source = source
        self.dialect = dialect
        self.tokens = tokenize(source, begin, end)
        self.index = 0
        self.nesting = 0
        self.allow_placeholder = allow_placeholder
        # Set while reading the upper end of a FEEL interval such as "]1..10[".
        self.bracket_ends_expression = False
        self.keywords = KEYWORDS | JUEL_KEYWORDS if dialect is Dialect.JUEL else KEYWORDS

    # -- token helpers -------------------------------------------------------------------
    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind is not TokenKind.END:
            self.index += 1
        return token

    def at_operator(self, *texts: str) -> bool:
        token = self.peek()
        return token.kind is TokenKind.OPERATOR and token.text in texts

    def at_keyword(self, *words: str, ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token.kind is TokenKind.NAME and token.text in words and token.text in self.keywords

    def expect_operator(self, text: str, context: str = "") -> Token:
        if not self.at_operator(text):
            self.fail(f"expected '{text}'{context} but found {self.peek().describe()}", self.peek())
        return self.advance()

    def expect_keyword(self, word: str, context: str = "") -> Token:
        if not self.at_keyword(word):
            self.fail(f"expected '{word}'{context} but found {self.peek().describe()}", self.peek())
        return self.advance()

    def fail(self, message: str, token: Token) -> None:
        raise ExpressionError(message, token.position, self.source)

    # -- grammar ----------------------------------------------------------------------------
    def parse(self) -> nodes.Node:
        """Parse the whole token list as one expression."""
        if self.peek().kind is TokenKind.END:
            self.fail("expected an expression but the text is empty", self.peek())
        node = self.parse_expression(0)
        token = self.peek()
        if token.kind is not TokenKind.END:
            self.fail(f"unexpected {token.describe()}", token)
        if nodes.depth(node) > MAX_DEPTH:
            raise ExpressionError(
                f"expression is nested more than {MAX_DEPTH} levels deep", node.position, self.source
            )
        return node

    def parse_expression(self, min_precedence: int) -> nodes.Node:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            self.fail(f"expression is nested more than {MAX_NESTING} levels deep", self.peek())
        left = self.parse_prefix()
        chain: nodes.Logical | None = None
        compared = False
        while True:
            token = self.peek()
            precedence = self.infix_precedence(token)
            if precedence is None or precedence <= min_precedence:
                break
            if precedence == COMPARE:
                if compared:
                    self.fail("comparisons cannot be chained; join them with 'and'", token)
                compared = True
            if precedence in (OR, AND):
                operator = "or" if precedence == OR else "and"
                self.advance()
                right = self.parse_expression(precedence)
                if chain is not None and chain is left and chain.operator == operator:
                    chain = nodes.Logical(operator, (*chain.operands, right), chain.position)
                else:
                    chain = nodes.Logical(operator, (left, right), token.position)
                left = chain
                continue
            left = self.parse_infix(left, token, precedence)
        self.nesting -= 1
        return left

    def infix_precedence(self, token: Token) -> int | None:
        if token.kind is TokenKind.OPERATOR:
            text = token.text
            if text in ("||",):
                return OR
            if text in ("&&",):
                return AND
            if text in COMPARISONS:
                return COMPARE
            if text in ("+", "-"):
                return ADD
            if text in ("*", "/", "%"):
                return MULTIPLY
            if text == "[" and self.bracket_ends_expression:
                return None
            if text in (".", "[", "("):
                return POSTFIX
            if text == "?" and self.dialect is Dialect.JUEL:
                return TERNARY
            return None
        if token.kind is TokenKind.NAME and token.text in self.keywords:
            word = token.text
            if word == "or":
                return OR
            if word == "and":
                return AND
            if word in ("in", "is", "between") or word in JUEL_COMPARISONS:
                return COMPARE
            if word == "not" and self.at_keyword("in", ahead=1):
                return COMPARE
            if word in ("div", "mod"):
                return MULTIPLY
        return None

    def parse_infix(self, left: nodes.Node, token: Token, precedence: int) -> nodes.Node:
        text = token.text
        if precedence == POSTFIX:
            return self.parse_postfix(left, token)
        self.advance()
        if precedence == TERNARY:
            when_true = self.parse_expression(0)
            self.expect_operator(":", " in 'condition ? a : b'")
            when_false = self.parse_expression(0)
            return nodes.Conditional(left, when_true, when_false, token.position)
        if precedence == COMPARE:
            return self.parse_comparison(left, token)
        operator = {"div": "/", "mod": "%"}.get(text, text)
        right = self.parse_expression(precedence)
        return nodes.Binary(operator, left, right, token.position)

    def parse_comparison(self, left: nodes.Node, token: Token) -> nodes.Node:
        text = token.text
        if token.kind is TokenKind.OPERATOR:
            right = self.parse_expression(COMPARE)
            return nodes.Binary(COMPARISONS[text], left, right, token.position)
        if text in JUEL_COMPARISONS:
            right = self.parse_expression(COMPARE)
            return nodes.Binary(JUEL_COMPARISONS[text], left, right, token.position)
        if text == "in":
            return nodes.Binary("in", left, self.parse_expression(COMPARE), token.position)
        if text == "not":
            self.expect_keyword("in")
            return nodes.Binary("not in", left, self.parse_expression(COMPARE), token.position)
        if text == "is":
            negated = False
            if self.at_keyword("not"):
                self.advance()
                negated = True
            self.expect_keyword("null", " after 'is'")
            return nodes.IsNull(left, negated, token.position)
        # between
        low = self.parse_expression(COMPARE)
        self.expect_keyword("and", " in 'between … and …'")
        high = self.parse_expression(COMPARE)
        return nodes.Between(left, low, high, token.position)

    def parse_postfix(self, left: nodes.Node, token: Token) -> nodes.Node:
        self.advance()
        if token.text == ".":
            name = self.advance()
            if name.kind is not TokenKind.NAME:
                self.fail(f"expected a field name after '.' but found {name.describe()}", name)
            if self.at_operator("("):
                self.fail(f"method calls are not supported: '{name.text}(…)'", name)
            return nodes.Attribute(left, name.text, name.position)
        if token.text == "[":
            index = self.parse_expression(0)
            self.expect_operator("]", " to close '['")
            return nodes.Index(left, index, token.position)
        # a call
        if not isinstance(left, nodes.Name):
            self.fail("only named functions can be called", token)
        assert isinstance(left, nodes.Name)
        arguments: list[nodes.Node] = []
        if not self.at_operator(")"):
            while True:
                arguments.append(self.parse_argument())
                if not self.at_operator(","):
                    break
                self.advance()
        self.expect_operator(")", f" to close the call of {left.name}(")
        return nodes.Call(left.name, tuple(arguments), left.position)

    def parse_argument(self) -> nodes.Node:
        token = self.peek()
        following = self.peek(1)
        is_lambda = following.kind is TokenKind.OPERATOR and following.text == "->"
        if token.kind is TokenKind.NAME and token.text not in self.keywords and is_lambda:
            self.advance()
            self.advance()
            self.nesting += 1
            body = self.parse_expression(0)
            self.nesting -= 1
            return nodes.Lambda(token.text, body, token.position)
        return self.parse_expression(0)

    def parse_prefix(self) -> nodes.Node:
        token = self.advance()
        if token.kind in (TokenKind.NUMBER, TokenKind.STRING):
            return nodes.Literal(token.value, token.position)
        if token.kind is TokenKind.NAME:
            return self.parse_word(token)
        if token.kind is TokenKind.OPERATOR:
            text = token.text
            if text == "(":
                inner = self.parse_expression(0)
                self.expect_operator(")", " to close '('")
                return inner
            if text == "[":
                items: list[nodes.Node] = []
                if not self.at_operator("]"):
                    while True:
                        items.append(self.parse_expression(0))
                        if not self.at_operator(","):
                            break
                        self.advance()
                self.expect_operator("]", " to close the list")
                return nodes.ListDisplay(tuple(items), token.position)
            if text == "-":
                operand = self.parse_expression(UNARY)
                if isinstance(operand, nodes.Literal) and _is_number(operand.value):
                    return nodes.Literal(-operand.value, token.position)
                return nodes.Unary("-", operand, token.position)
            if text == "!":
                return nodes.Unary("not", self.parse_expression(UNARY), token.position)
            if text == "?" and self.allow_placeholder:
                return nodes.Placeholder(token.position)
        self.fail(f"expected an expression but found {token.describe()}", token)
        raise AssertionError("unreachable")

    def parse_word(self, token: Token) -> nodes.Node:
        word = token.text
        if word not in self.keywords:
            if self.at_operator("->"):
                self.fail("a function 'x -> …' may only be an argument of any() or all()", token)
            return nodes.Name(word, token.position)
        if word in ("null", "true", "false"):
            return nodes.Literal({"null": None, "true": True, "false": False}[word], token.position)
        if word == "not":
            return nodes.Unary("not", self.parse_expression(NOT), token.position)
        if word == "empty":
            return nodes.Call("is_empty", (self.parse_expression(UNARY),), token.position)
        if word == "if":
            condition = self.parse_expression(0)
            self.expect_keyword("then", " after the condition of 'if'")
            when_true = self.parse_expression(0)
            self.expect_keyword("else", " in 'if … then … else …'")
            when_false = self.parse_expression(0)
            return nodes.Conditional(condition, when_true, when_false, token.position)
        self.fail(f"expected an expression but found keyword '{word}'", token)
        raise AssertionError("unreachable")


def _is_number(value: object) -> bool:
    return isinstance(value, int | Decimal) and not isinstance(value, bool)
