"""`python -m app.i18n`: check every resident catalogue against the template (for translators and CI)."""

from __future__ import annotations

import sys

from app.i18n.catalog import check_catalogues, load_template


def main() -> int:
    problems = [line for lines in check_catalogues().values() for line in lines]
    for line in problems:
        print(line)
    if problems:
        print(f"{len(problems)} problem(s)", file=sys.stderr)
        return 1
    keys = len(load_template().entries)
    print(f"ok: every catalogue has all {keys} messages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
