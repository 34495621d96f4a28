"""credentials.py: the --auth file format, its errors (which name the line, never its text) and a store
that never shows a secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from shardline.credentials import CredentialsFileError, load_credentials, parse_credentials


def test_lines_comments_and_spaces() -> None:
    store = parse_credentials("# keys\n\nAKID1:secret/one+x\n  reader : two:with:colons  \n")
    assert store.secret_for("AKID1") == "secret/one+x"
    assert store.secret_for("reader") == "two:with:colons"
    assert store.secret_for("nobody") is None
    assert len(store) == 2


def test_the_repr_hides_secrets() -> None:
    store = parse_credentials("AKID1:very-secret\n")
    assert "very-secret" not in repr(store) and "very-secret" not in str(store)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("AKID1\n", "keys.txt, line 1: expected ACCESS_KEY_ID:SECRET_ACCESS_KEY"),
        ("# c\nAKID1:\n", "keys.txt, line 2: expected ACCESS_KEY_ID:SECRET_ACCESS_KEY"),
        (":secret-only\n", "keys.txt, line 1: expected ACCESS_KEY_ID:SECRET_ACCESS_KEY"),
        ("a/b:secret\n", "keys.txt, line 1: the access key id may not contain '/', ':', '=', ',' or spaces"),
        ("a b:secret\n", "keys.txt, line 1: the access key id may not contain '/', ':', '=', ',' or spaces"),
        ("k:one\nk:two\n", "keys.txt, line 2: access key id k appears twice"),
        ("# nothing\n\n", "keys.txt: no access keys (expected ACCESS_KEY_ID:SECRET_ACCESS_KEY lines)"),
    ],
)
def test_malformed_files_name_the_line_not_the_secret(text: str, expected: str) -> None:
    with pytest.raises(CredentialsFileError) as refused:
        parse_credentials(text, "keys.txt")
    assert str(refused.value) == expected
    assert "secret-only" not in str(refused.value) and "two" not in str(refused.value)


def test_an_unreadable_file_is_a_credentials_error(tmp_path: Path) -> None:
    with pytest.raises(CredentialsFileError) as refused:
        load_credentials(tmp_path / "missing.txt")
    assert "cannot read" in str(refused.value)
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\xff\xfe:\x00")
    with pytest.raises(CredentialsFileError):
        load_credentials(binary)
