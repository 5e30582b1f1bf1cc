"""Configuration of the main job (training + aging + inference), validated in one place.

The CLI builds a `JobConfig`, writes it as JSON next to the results, and the cocotb test inside
the simulator reads it back, so both processes run exactly the same job.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from analog_models.config import ConfigError, TileConfig

ALGORITHMS = ("cttv2", "sgd")
DEFAULT_AGING = (1.0, 3600.0, 86400.0, 365.25 * 86400.0, 10 * 365.25 * 86400.0)
AGING_LABELS = {1.0: "1 s", 3600.0: "1 h", 86400.0: "1 day", 365.25 * 86400.0: "1 year",
                10 * 365.25 * 86400.0: "10 years"}


def _require(cond: bool, message: str) -> None:
    if not cond:
        raise ConfigError(message)


@dataclass(frozen=True)
class JobConfig:
    dataset: str = "digits"          # "digits" or a CSV path
    hidden: int = 32
    epochs: int = 5
    algorithm: str = "cttv2"
    device: str = "cmo_hfox"
    lr: float = 0.1                  # network learning rate (SGD on C, and the fp baseline)
    fast_lr: float = 1.0             # c-TTv2: learning rate of the fast array A (network units)
    thresh: int = 3                  # c-TTv2: H threshold in ADC codes (THRESH register)
    transfers_per_sample: int = 1    # c-TTv2: TRANSFER commands per tile after each sample
    chop_prob: float = 0.05          # c-TTv2: chopper flip probability per transfer
    settle_cycles: int = 60          # c-TTv2: SET/RESET pulse pairs that bring A to its symmetry point
    weight_scale: float = 1.0        # network weight = weight_scale * device weight
    seed: int = 1
    train_limit: int = 0             # use only the first N training samples (0 = all)
    test_limit: int = 0
    aging: tuple = DEFAULT_AGING
    dac_bits: int = 7
    adc_bits: int = 9
    max_bl: int = 31
    acc_width: int = 16

    def __post_init__(self) -> None:
        _require(1 <= self.hidden <= 512, f"--hidden must be in [1, 512], got {self.hidden}")
        _require(1 <= self.epochs <= 1000, f"--epochs must be in [1, 1000], got {self.epochs}")
        _require(self.algorithm in ALGORITHMS,
                 f"--algorithm must be one of {', '.join(ALGORITHMS)}, got {self.algorithm!r}")
        for name in ("lr", "fast_lr"):
            value = getattr(self, name)
            _require(0.0 < value <= 10.0, f"--{name.replace('_', '-')} must be in (0, 10], got {value}")
        _require(1 <= self.settle_cycles <= 10000,
                 f"--settle-cycles must be in [1, 10000], got {self.settle_cycles}")
        _require(0.0 <= self.chop_prob <= 1.0, f"--chop-prob must be in [0, 1], got {self.chop_prob}")
        _require(1 <= self.thresh <= (1 << (self.acc_width - 1)) - 1,
                 f"--thresh must be in [1, {(1 << (self.acc_width - 1)) - 1}], got {self.thresh}")
        _require(1 <= self.transfers_per_sample <= 64,
                 f"--transfers-per-sample must be in [1, 64], got {self.transfers_per_sample}")
        _require(0.05 <= self.weight_scale <= 20.0,
                 f"--weight-scale must be in [0.05, 20], got {self.weight_scale}")
        _require(0 <= self.seed < 2**31, f"--seed must be in [0, 2**31), got {self.seed}")
        _require(self.train_limit >= 0, f"--train-limit must be >= 0, got {self.train_limit}")
        _require(self.test_limit >= 0, f"--test-limit must be >= 0, got {self.test_limit}")
        _require(all(float(t) > 0 for t in self.aging), "aging times must be positive seconds")
        # Tile-level parameters are validated by TileConfig itself.
        self.tile_configs(2, 2)

    def tile_configs(self, features: int, classes: int) -> list[TileConfig]:
        """One tile per layer; each has one extra row that carries the bias input."""
        common = dict(dac_bits=self.dac_bits, adc_bits=self.adc_bits, max_bl=self.max_bl,
                      acc_width=self.acc_width)
        return [TileConfig(rows=features + 1, cols=self.hidden, **common),
                TileConfig(rows=self.hidden + 1, cols=classes, **common)]

    def split(self, data):
        """(x_train, y_train, x_test, y_test) after --train-limit / --test-limit."""
        n_train = self.train_limit or len(data.x_train)
        n_test = self.test_limit or len(data.x_test)
        return (data.x_train[:n_train], data.y_train[:n_train], data.x_test[:n_test],
                data.y_test[:n_test])

    def to_json(self) -> str:
        data = asdict(self)
        data["aging"] = list(self.aging)
        return json.dumps(data, indent=2)

    @classmethod
    def from_json(cls, text: str) -> "JobConfig":
        data = json.loads(text)
        known = {f.name for f in fields(cls)}
        data = {k: v for k, v in data.items() if k in known}
        if "aging" in data:
            data["aging"] = tuple(data["aging"])
        return cls(**data)

    @classmethod
    def load(cls, path: Path) -> "JobConfig":
        return cls.from_json(Path(path).read_text())


__all__ = ["JobConfig", "ALGORITHMS", "DEFAULT_AGING", "AGING_LABELS"]
