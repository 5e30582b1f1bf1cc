"""Validated configuration of one crossbar tile.

The tile configuration is the architectural contract shared by the golden model
(`analog_models.tile_model`), the Amaranth generator (`hdl_gen`) and the testbench
(`verif`). Every field is checked at construction so a bad value fails at
generation time with a message naming the parameter and its allowed range.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass


class ConfigError(ValueError):
    """A configuration parameter is outside its allowed range."""


def _check_int(name: str, value, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{name} must be an integer in [{lo}, {hi}], got {value!r}")
    if not lo <= value <= hi:
        raise ConfigError(f"{name} must be in [{lo}, {hi}], got {value}")


@dataclass(frozen=True)
class TileConfig:
    """Geometry and peripheral precision of one crossbar tile.

    rows        input lines (word lines); FORWARD drives rows, BACKWARD senses them.
    cols        output lines (bit/source line pairs); FORWARD senses columns.
    dac_bits    signed pulse-width DAC resolution; codes lie in [-M, M], M = 2**(dac_bits-1)-1,
                and the integration window lasts M clock cycles.
    adc_bits    signed ADC resolution; codes lie in [-Q, Q], Q = 2**(adc_bits-1)-1.
    max_bl      longest stochastic pulse train (slots per sub-phase) an UPDATE may ask for.
    acc_width   width of one signed entry of the transfer accumulator H.
    bm_retries  bound-management retries: a saturated read is repeated with the input halved
                up to this many times.
    adc_latency conversion time of the macro's ADC in clock cycles (behavioural macro parameter).
    """

    rows: int = 65
    cols: int = 32
    dac_bits: int = 7
    adc_bits: int = 9
    max_bl: int = 31
    acc_width: int = 16
    bm_retries: int = 3
    adc_latency: int = 10

    def __post_init__(self) -> None:
        _check_int("rows", self.rows, 2, 1024)
        _check_int("cols", self.cols, 2, 1024)
        _check_int("dac_bits", self.dac_bits, 3, 8)
        _check_int("adc_bits", self.adc_bits, 4, 14)
        _check_int("max_bl", self.max_bl, 1, 63)
        _check_int("acc_width", self.acc_width, 8, 32)
        _check_int("bm_retries", self.bm_retries, 0, 7)
        _check_int("adc_latency", self.adc_latency, 1, 255)
        if self.acc_width < self.adc_bits + 2:
            raise ConfigError(
                f"acc_width must be at least adc_bits + 2 = {self.adc_bits + 2} so one ADC "
                f"read cannot overflow H, got {self.acc_width}")

    # Derived constants, named as in docs/ARCHITECTURE.md.
    @property
    def dac_max(self) -> int:
        """M: largest DAC code magnitude, also the integration window in cycles."""
        return (1 << (self.dac_bits - 1)) - 1

    @property
    def adc_max(self) -> int:
        """Q: largest ADC code magnitude; |code| == Q means saturated."""
        return (1 << (self.adc_bits - 1)) - 1

    @property
    def sense_lanes(self) -> int:
        """Lanes of the macro's ADC code bus: max(rows, cols)."""
        return max(self.rows, self.cols)

    @property
    def max_slots(self) -> int:
        """Depth of the macro's pulse record: four update sub-phases of max_bl slots."""
        return 4 * self.max_bl

    @property
    def module_name(self) -> str:
        return f"aicore_tile_{self.rows}x{self.cols}"

    def to_dict(self) -> dict:
        return asdict(self)
