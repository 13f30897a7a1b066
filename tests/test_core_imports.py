"""The core runs without discord: importing it must not load discord.py (and ruff's TID251 bans the import)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE = [
    "kzbot.config",
    "kzbot.settings_docs",
    "kzbot.records",
    "kzbot.errors",
    "kzbot.text",
    "kzbot.knowledge",
    "kzbot.matcher",
    "kzbot.render",
    "kzbot.console",
    "kzbot.evaluate",
    "kzbot.health",
    "kzbot.logs",
    "kzbot.questionlog",
    "kzbot.review",
    "kzbot.ratelimit",
    "kzbot.__main__",
]


def test_core_modules_import_without_discord() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {name}\n" for name in CORE)
        + "loaded = sorted(m for m in sys.modules if m == 'discord' or m.startswith('discord.'))\n"
        + "print(loaded)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_every_core_module_is_listed_here() -> None:
    modules = {f"kzbot.{p.stem}" for p in (ROOT / "kzbot").glob("*.py") if p.stem != "__init__"}
    assert modules == set(CORE), "a new core module must be added to CORE so the check covers it"
