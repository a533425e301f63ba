"""Size options (`tierlink serve --max-import-size`) parse with one function (companion.core.sizes).

Why: `--max-import-size inf` (or `1e400`) ended in "internal error: OverflowError"
(issue 23 item 7); a size a user mistypes is a usage error: exit 2, one line naming
the option, and the server never starts.
"""

from __future__ import annotations

import pytest

from companion.core.errors import TierlinkError


@pytest.mark.parametrize("text", ["inf", "nan", "-inf", "+inf", "-1", "-1M", "0", "0.0001", "1e400", "1e3",
                                  "99999999999999T", "lots", "", "4X", "4 G G"])
def test_a_bad_size_is_a_usage_error_of_one_line_and_the_server_does_not_start(cli, text):
    # a host the server refuses, so that a size taken by mistake never starts one
    proc = cli("serve", "--host", "192.0.2.1", "--max-import-size", text, check=False)
    err = proc.stderr.decode().strip()
    assert proc.returncode == 2, (proc.returncode, err)
    assert len(err.splitlines()) == 1 and "--max-import-size" in err, err
    assert "internal error" not in err and "Traceback" not in err


@pytest.mark.parametrize("text, size", [("4G", 4 * 1024 ** 3), ("500M", 500 * 1024 ** 2), ("2GiB", 2 * 1024 ** 3),
                                        ("1048576", 1048576), ("1.5K", 1536), ("64kb", 65536), (" 8 G ", 8 * 1024 ** 3)])
def test_sizes_users_write(text, size):
    from companion.core.sizes import parse_size

    assert parse_size(text) == size


def test_what_a_message_quotes_parses_back_to_the_same_size():
    from companion.core.sizes import human_size, parse_size

    for n in (1024, 1024 ** 2, 3 * 1024 ** 3):
        shown = human_size(n)  # '1.0 KiB'
        assert parse_size(shown.replace(" ", "")) == n


def test_the_error_names_the_option_it_was_given():
    from companion.core.sizes import parse_size

    with pytest.raises(TierlinkError) as caught:
        parse_size("inf", "--max-import-size")
    assert caught.value.code == "usage" and "--max-import-size" in caught.value.message
