"""cocotb regression of the emitted RTL under Verilator (tests/cocotb_tile_tests.py).

The default configuration is built once per session (about 35 s on 2 cores) into build/test
and reused by every cocotb test; the suite is skipped when no Verilator can be found.
"""
from pathlib import Path

import pytest

from hdl_gen.emit import DEFAULT_TILES
from verif import runner
from verif.simulator import SimulatorNotFound, find_verilator

REPO = Path(__file__).resolve().parent.parent

try:
    find_verilator()
    HAVE_VERILATOR = True
except SimulatorNotFound:
    HAVE_VERILATOR = False

pytestmark = pytest.mark.skipif(not HAVE_VERILATOR, reason="no Verilator >= 5.036 found")

TESTS = [
    "info_registers_report_the_configuration",
    "illegal_commands_set_error_and_return_to_idle",
    "command_while_busy_is_refused_and_the_running_one_completes",
    "silent_macro_gives_timeout_not_a_hang",
    "commands_match_the_system_model",
    "short_training_run_in_lockstep",
]


@pytest.fixture(scope="session")
def rtl_build():
    return runner.build(DEFAULT_TILES, REPO / "build" / "test")


@pytest.mark.parametrize("name", TESTS)
def test_rtl(rtl_build, name, tmp_path):
    env = {"PYTHONPATH": f"{REPO / 'tests'}:{REPO}", "AICORE_TEST_OUT": str(tmp_path),
           "COCOTB_REWRITE_ASSERTION_FILES": "cocotb_*.py"}
    tests, failed = runner.run(rtl_build, "cocotb_tile_tests", test_filter=rf"\.{name}$",
                               extra_env=env, results_dir=tmp_path,
                               log_file=tmp_path / "sim.log")
    log = (tmp_path / "sim.log").read_text() if (tmp_path / "sim.log").exists() else ""
    assert tests == 1, f"cocotb ran {tests} tests for {name}\n{log[-3000:]}"
    assert failed == 0, f"{name} failed:\n{log[-6000:]}"
