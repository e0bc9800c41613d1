"""Bearer secrets: unguessable, stored hashed, and usable on a command line."""

from __future__ import annotations

from api.domain.codes import new_token, token_hash


def test_tokens_never_start_with_a_dash_so_the_command_line_takes_them():
    # One in 64 random URL-safe strings starts with "-": 5,000 draws would all but surely
    # meet one (argparse then reads `--token -abc` as a missing value).
    tokens = [new_token() for _ in range(5000)]
    assert not [t for t in tokens if t.startswith("-")]
    assert len(set(tokens)) == len(tokens)
    assert min(len(t) for t in tokens) >= 43  # 32 random bytes
    assert token_hash(tokens[0]) != tokens[0]
