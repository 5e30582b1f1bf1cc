"""Named device presets.

`cmo_hfox` (the default) is calibrated to the open-loop figures of Falcone et al. 2025
(REFERENCE.md): about 22 states, symmetry point 61 % from the centre toward w_min (depression
steeper), noise-to-signal ratio about 0.9 at the symmetry point, 16 to 33 states across devices.
`python -m analog_models.calibrate` measures them from the model.

Derivation for bounds +-1: the symmetry point of soft bounds is
w_sym = (dw_up - dw_down) / (dw_up + dw_down) = -0.61, so dw_down / dw_up = 1.61 / 0.39; the step
there is dw_up * (1 - w_sym) = 2 / 22. dw_std is set so that the NSR pooled over devices and
cycles, which also contains the device-to-device step spread, comes out at 0.9.

`ideal` is symmetric with many states and tiny noise, for functional tests.
"""
from __future__ import annotations

from .device import DeviceParams

PRESETS: dict[str, DeviceParams] = {
    "cmo_hfox": DeviceParams(
        dw_up=0.0568, dw_down=0.2343, w_min=-1.0, w_max=1.0,
        dw_dtod=0.18, up_down_dtod=0.05, w_bounds_dtod=0.05,
        dw_std=0.85, g_min=10.0, g_max=90.0),
    "ideal": DeviceParams(
        dw_up=0.005, dw_down=0.005, w_min=-1.0, w_max=1.0,
        dw_dtod=0.0, up_down_dtod=0.0, w_bounds_dtod=0.0,
        dw_std=0.01, g_min=10.0, g_max=90.0),
}
DEFAULT_PRESET = "cmo_hfox"


def get_preset(name: str = DEFAULT_PRESET) -> DeviceParams:
    """The DeviceParams of preset `name`; ValueError listing the valid names otherwise."""
    try:
        return PRESETS[name]
    except (KeyError, TypeError):
        valid = ", ".join(sorted(PRESETS))
        raise ValueError(f"unknown device preset {name!r}; valid names: {valid}") from None
