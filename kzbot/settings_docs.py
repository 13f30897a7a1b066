"""The settings table (kzbot.config.Settings) written out three ways: `--help`, `.env.example`, the README.

`python -m kzbot.settings_docs` rewrites `.env.example` and the README's table from it; a test fails when
either has drifted from the table.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

from kzbot.config import PROJECT_ROOT, Spec, defaults, specs

README_BEGIN = "<!-- settings table: made from kzbot/config.py by `make settings`; edit the table there -->"
README_END = "<!-- end of settings table -->"
ENV_HEADER = """\
# kzbot settings. Copy this file to .env and fill in DISCORD_TOKEN; every other line shows the default.
# Real environment variables win over .env. A malformed value stops start-up with a message naming it.
# Made from the table in kzbot/config.py by `make settings`: edit the table, not this file.
"""
EXIT_STATUS = "0 ok, 1 unhealthy or unexpected error, 2 usage error, 78 configuration or knowledge error"
GROUP_NOTES = {
    "Places and ports": (
        "The Docker image sets three of these itself (KZBOT_HEALTH_HOST=0.0.0.0, KZBOT_HEALTH_PORT=8080,",
        "KZBOT_STATE_DIR=/app/state), so they stay commented out; uncomment a line only to change it.",
    ),
    "Test hooks": (
        "These are only for the test suite, never for production: they point the client at a local stand-in.",
    ),
}


def _default_text(name: str, spec: Spec) -> str:
    """The default as the docs state it: a value in backticks, or words."""
    if spec.shown_default is not None:
        return spec.shown_default
    shown = spec.kind.show(defaults()[name])
    return f"`{shown}`" if shown else "empty"


def _help(spec: Spec) -> str:
    accepted = spec.kind.range_text()
    return f"{spec.help} Accepts {accepted}." if accepted else spec.help


def help_text() -> str:
    """The settings part of `kzbot --help`."""
    lines = ["settings (environment variables, or a .env file in the working directory; see .env.example):"]
    width = max(len(spec.variable) for _, spec in specs()) + 2
    for name, spec in specs():
        default = _default_text(name, spec).replace("`", "")
        text = f"{_help(spec)} Default: {default}."
        wrapped = textwrap.wrap(text, width=110 - width - 2)
        lines.append(f"  {spec.variable:<{width}}{wrapped[0]}")
        lines.extend(" " * (width + 2) + more for more in wrapped[1:])
    lines += [
        "",
        "exit status: 0 ok, 1 unhealthy or unexpected error, 2 usage error, 78 configuration or knowledge error",
    ]
    return "\n".join(lines)


def env_example() -> str:
    """The whole of `.env.example`."""
    out = [ENV_HEADER.rstrip("\n")]
    group = None
    for name, spec in specs():
        if spec.group != group:
            group = spec.group
            out += ["", f"# --- {group} " + "-" * (100 - len(group) - 7)]
            out += [f"# {note}" for note in GROUP_NOTES.get(group, ())]
        out += [f"# {line}" for line in textwrap.wrap(_help(spec), width=108)]
        value = spec.example if spec.example is not None else spec.kind.show(defaults()[name])
        out.append(f"{'# ' if spec.commented else ''}{spec.variable}={value}")
    return "\n".join(out) + "\n"


def readme_table() -> str:
    """The README's configuration table, between its markers."""
    rows = [README_BEGIN, "| Variable | Default | What it does |", "|---|---|---|"]
    for name, spec in specs():
        default = _default_text(name, spec)
        if spec.image is not None:
            default += f"; `{spec.image}` in the image"
        rows.append(f"| `{spec.variable}` | {default} | {_help(spec)} |")
    rows.append(README_END)
    return "\n".join(rows)


def readme_with_table(readme: str) -> str:
    """The README text with its settings table replaced by the one made from the table."""
    start = readme.index(README_BEGIN)
    end = readme.index(README_END, start) + len(README_END)
    return readme[:start] + readme_table() + readme[end:]


def main(argv: Sequence[str] | None = None) -> int:
    """Rewrite .env.example and the README's table in `root` (default: this checkout)."""
    args = list(sys.argv[1:] if argv is None else argv)
    root = Path(args[0]) if args else PROJECT_ROOT
    (root / ".env.example").write_text(env_example(), encoding="utf-8")
    readme = root / "README.md"
    readme.write_text(readme_with_table(readme.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
