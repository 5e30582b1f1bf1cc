"""cocotb driver for the tile's native bus (docs/ARCHITECTURE.md section 2).

Inputs are driven and outputs sampled on the falling clock edge, half a cycle away from the
rising edge where the RTL acts, so the driver behaves the same on every simulator. Bursts cost
one await per word; a running command is waited for on `irq`, so Python sleeps while the tile
runs on its own.
"""
from __future__ import annotations

from cocotb.triggers import FallingEdge, RisingEdge
from cocotb.utils import get_sim_time

# Register addresses and fields, one place for the whole testbench.
CMD, STATUS, DATA, THRESH, SEED, INFO0, INFO1 = range(7)
OP_NOP, OP_FORWARD, OP_BACKWARD, OP_UPDATE, OP_TRANSFER, OP_LOAD, OP_READ, OP_CLEAR_H = range(8)
BUF_XIN, BUF_DIN, BUF_PX, BUF_PD, BUF_YCOL, BUF_YROW, BUF_H = range(7)
ERR_NAMES = {0: "none", 1: "ILLEGAL_OP", 2: "BAD_ARG", 3: "BUSY", 4: "OVERRUN", 5: "TIMEOUT",
             6: "BAD_ADDR"}


def cmd_word(op: int, array_a: bool = False, negative: bool = False, arg8: int = 0,
             arg16: int = 0) -> int:
    return (op & 0xF) | (int(array_a) << 4) | (int(negative) << 5) | ((arg8 & 0xFF) << 8) | \
        ((arg16 & 0xFFFF) << 16)


class Status:
    def __init__(self, word: int):
        self.word = word
        self.busy = bool(word & 1)
        self.done = bool(word >> 1 & 1)
        self.error = bool(word >> 2 & 1)
        self.code = word >> 4 & 0xF
        self.bm_shift = word >> 8 & 0xF
        self.saturated = bool(word >> 12 & 1)

    def __repr__(self) -> str:
        return (f"Status(busy={self.busy}, done={self.done}, error={self.error}"
                f"({ERR_NAMES.get(self.code, self.code)}), bm_shift={self.bm_shift}, "
                f"saturated={self.saturated})")


class TileError(RuntimeError):
    """The tile reported an error in STATUS."""

    def __init__(self, status: Status, what: str):
        super().__init__(f"{what}: tile error {ERR_NAMES.get(status.code, status.code)} ({status})")
        self.status = status


class NativeBusDriver:
    """Drives `<prefix>bus_*` of one tile and waits on `<prefix>irq`."""

    def __init__(self, dut, prefix: str = ""):
        self.clk = dut.clk
        self.addr = getattr(dut, f"{prefix}bus_addr")
        self.wdata = getattr(dut, f"{prefix}bus_wdata")
        self.we = getattr(dut, f"{prefix}bus_we")
        self.re = getattr(dut, f"{prefix}bus_re")
        self.rdata = getattr(dut, f"{prefix}bus_rdata")
        self.irq = getattr(dut, f"{prefix}irq")
        self.transactions = 0
        self.op_cycles: dict[str, tuple[int, float]] = {}  # command -> (count, busy cycles)
        self.period_ns = 10.0

    def idle(self) -> None:
        self.we.value = 0
        self.re.value = 0
        self.addr.value = 0
        self.wdata.value = 0

    async def write_burst(self, addr: int, words) -> None:
        """Writes `words` to one address, one per cycle (the DATA port streams them)."""
        await FallingEdge(self.clk)
        self.addr.value = addr
        self.we.value = 1
        for word in words:
            self.wdata.value = int(word) & 0xFFFFFFFF
            await FallingEdge(self.clk)
            self.transactions += 1
        self.we.value = 0

    async def write(self, addr: int, word: int) -> None:
        await self.write_burst(addr, (word,))

    async def read_burst(self, addr: int, count: int) -> list[int]:
        """Reads `count` words from one address back to back (registered read data)."""
        await FallingEdge(self.clk)
        self.addr.value = addr
        self.re.value = 1
        words = []
        for _ in range(count):
            await FallingEdge(self.clk)
            words.append(self.rdata.value.to_unsigned())
            self.transactions += 1
        self.re.value = 0
        return words

    async def read(self, addr: int) -> int:
        return (await self.read_burst(addr, 1))[0]

    async def status(self) -> Status:
        return Status(await self.read(STATUS))

    async def command(self, word: int, what: str = "command") -> Status:
        """Issues a command, sleeps until irq and returns STATUS; raises TileError on error.

        `done` is cleared by the next CMD write; a sticky error is cleared here (W1C) before
        raising, so the tile is ready for the next command either way.
        """
        await self.write(CMD, word)
        issued = get_sim_time("ns")
        if not self.irq.value:
            await RisingEdge(self.irq)
        count, cycles = self.op_cycles.get(what, (0, 0.0))
        self.op_cycles[what] = (count + 1, cycles + (get_sim_time("ns") - issued) / self.period_ns)
        status = await self.status()
        if status.error:
            await self.write(STATUS, 0b110)
            raise TileError(status, what)
        return status
