"""Multi-tile top level: one module with every tile's bus, one clock and one reset.

Tile i's ports are the tile ports prefixed `t<i>_` (t0_bus_addr, ..., t0_irq); its instance is
named `tile<i>`. Each tile is an instance of the module `TileConfig.module_name`, so tiles of
different sizes coexist in one Verilog file (hdl_gen.emit writes one module per distinct
configuration).
"""
from __future__ import annotations

from amaranth.hdl import ClockSignal, Instance, Module, ResetSignal
from amaranth.lib import wiring
from amaranth.lib.wiring import In

from analog_models.config import ConfigError, TileConfig

from .tile import AicoreTile, MacroFactory, tile_signature

__all__ = ["AicoreSystem", "check_tiles"]


def check_tiles(tiles) -> list[TileConfig]:
    """Validates a tile list; raises ConfigError naming `tiles` when it is unusable."""
    tiles = list(tiles) if isinstance(tiles, (list, tuple)) else tiles
    if not isinstance(tiles, list) or not tiles:
        raise ConfigError(f"tiles must be a non-empty list of TileConfig, got {tiles!r}")
    by_name = {}
    for i, cfg in enumerate(tiles):
        if not isinstance(cfg, TileConfig):
            raise ConfigError(f"tiles[{i}] must be a TileConfig, got {cfg!r}")
        other = by_name.setdefault(cfg.module_name, cfg)
        if other != cfg:
            # Same module name, different hardware: one Verilog file cannot hold both.
            raise ConfigError(
                f"tiles[{i}] and an earlier tile are both {cfg.module_name} but differ "
                f"({other} vs {cfg}); tiles of one size must share one configuration")
    return tiles


class AicoreSystem(wiring.Component):
    """All tiles of the accelerator under one clock (`clk`) and synchronous reset (`rst`).

    Parameters
    ----------
    tiles : list[TileConfig]
        One entry per tile, in port-prefix order (t0_, t1_, ...).
    macro_factory : callable, optional
        None (default): every tile is a black-box instance of module `cfg.module_name`, whose
        definition hdl_gen.emit generates next to this module. Given: the tiles are elaborated
        as `AicoreTile(cfg, macro_factory)` submodules, so the whole system can be simulated in
        Amaranth (see AicoreTile).

    Ports
    -----
    t<i>_bus_addr In(4), t<i>_bus_wdata In(32), t<i>_bus_we In(1), t<i>_bus_re In(1),
    t<i>_bus_rdata Out(32), t<i>_irq Out(1) for every tile i; timing as AicoreTile.
    """

    def __init__(self, tiles: list[TileConfig], macro_factory: MacroFactory | None = None):
        self.tiles = check_tiles(tiles)
        self.macro_factory = macro_factory
        members = {}
        for i in range(len(self.tiles)):
            for name, member in tile_signature().members.items():
                members[f"t{i}_{name}"] = member
        super().__init__(members)

    def elaborate(self, platform):
        m = Module()
        for i, cfg in enumerate(self.tiles):
            ports = {name: (member.flow, getattr(self, f"t{i}_{name}"))
                     for name, member in tile_signature().members.items()}
            if self.macro_factory is None:
                kwargs = {("i_" if flow == In else "o_") + name: sig
                          for name, (flow, sig) in ports.items()}
                m.submodules[f"tile{i}"] = Instance(
                    cfg.module_name, i_clk=ClockSignal(), i_rst=ResetSignal(), **kwargs)
            else:
                m.submodules[f"tile{i}"] = tile = AicoreTile(cfg, self.macro_factory)
                for name, (flow, sig) in ports.items():
                    if flow == In:
                        m.d.comb += getattr(tile, name).eq(sig)
                    else:
                        m.d.comb += sig.eq(getattr(tile, name))
        return m
