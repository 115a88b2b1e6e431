"""The `haven` command: Haven's own commands, and Django's management commands behind them."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

USAGE = """usage: haven <command> [options]

Haven's commands:
{commands}

Every Django management command works too (`haven migrate`, `haven check --deploy`, `haven shell` …):
`haven help --commands` lists them all, `haven help <command>` explains one.
Settings: DJANGO_SETTINGS_MODULE (default config.settings.dev); DATABASE_URL; HAVEN_DATA_DIR (default ./.haven).
"""


def _haven_commands() -> list[tuple[str, str]]:
    import django  # noqa: PLC0415 - only after the settings module is chosen
    from django.core.management import get_commands, load_command_class  # noqa: PLC0415

    django.setup()
    found = []
    for name, app in sorted(get_commands().items()):
        if app.startswith("haven."):
            command = load_command_class(app, name)
            found.append((name, (command.help or "").strip().splitlines()[0] if command.help else ""))
    return found


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    if not args or args[0] in ("-h", "--help"):
        width = max((len(n) for n, _ in _haven_commands()), default=10)
        lines = [f"  {name.ljust(width)}  {text}" for name, text in _haven_commands()]
        print(USAGE.format(commands="\n".join(lines)))
        return 0
    from django.core.management import execute_from_command_line  # noqa: PLC0415

    try:
        execute_from_command_line(["haven", *args])
    except SystemExit as exit_:
        return int(exit_.code or 0) if not isinstance(exit_.code, str) else 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
