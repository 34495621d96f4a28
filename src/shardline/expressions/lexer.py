"""The one lexer of DynamoDB's expression language: text to tokens that remember where they stand."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class TokenKind(enum.Enum):
    IDENTIFIER = "identifier"  # attribute names, function names and keywords (AND, SET, ...)
    NAME = "name"  # #placeholder
    VALUE = "value"  # :placeholder
    NUMBER = "number"  # digits, only meaningful as a list index
    PUNCTUATION = "punctuation"
    INVALID = "invalid"  # a character the language has no use for
    EOF = "eof"


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    text: str
    start: int
    end: int

    def is_keyword(self, word: str) -> bool:
        return self.kind is TokenKind.IDENTIFIER and self.text.upper() == word

    def is_punctuation(self, text: str) -> bool:
        return self.kind is TokenKind.PUNCTUATION and self.text == text

    @property
    def shown(self) -> str:
        """The token as AWS quotes it in a syntax error."""
        return "<EOF>" if self.kind is TokenKind.EOF else self.text


_TWO_CHARACTER_PUNCTUATION = ("<>", "<=", ">=")
_ONE_CHARACTER_PUNCTUATION = frozenset("()[],.=<>+-")
_WHITESPACE = frozenset(" \t\r\n")


def _is_word_start(character: str) -> bool:
    return character == "_" or ("a" <= character <= "z") or ("A" <= character <= "Z")


def _is_word_part(character: str) -> bool:
    return _is_word_start(character) or ("0" <= character <= "9")


def tokenize(text: str) -> list[Token]:
    """All tokens of text, ending with one EOF token. Never fails: stray characters become INVALID
    tokens, so the parser reports them with AWS's syntax-error message."""
    tokens: list[Token] = []
    position = 0
    length = len(text)
    while position < length:
        character = text[position]
        if character in _WHITESPACE:
            position += 1
            continue
        start = position
        if _is_word_start(character):
            while position < length and _is_word_part(text[position]):
                position += 1
            kind = TokenKind.IDENTIFIER
        elif "0" <= character <= "9":
            while position < length and "0" <= text[position] <= "9":
                position += 1
            kind = TokenKind.NUMBER
        elif character in "#:":
            position += 1
            while position < length and _is_word_part(text[position]):
                position += 1
            if position == start + 1:
                kind = TokenKind.INVALID
            else:
                kind = TokenKind.NAME if character == "#" else TokenKind.VALUE
        elif text[position : position + 2] in _TWO_CHARACTER_PUNCTUATION:
            position += 2
            kind = TokenKind.PUNCTUATION
        elif character in _ONE_CHARACTER_PUNCTUATION:
            position += 1
            kind = TokenKind.PUNCTUATION
        else:
            position += 1
            kind = TokenKind.INVALID
        tokens.append(Token(kind, text[start:position], start, position))
    tokens.append(Token(TokenKind.EOF, "", length, length))
    return tokens
