"""Training, evaluation and aging sequences of the MLP on crossbar tiles.

Backend-agnostic: `tiles` are `ModelTile`, `RtlTile` or `LockstepTile` objects (verif.backends);
every tile command is awaited, so the same sequence runs in plain asyncio on the model or inside
a cocotb test on the RTL. All host arithmetic comes from `analog_models.algorithms`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from analog_models import algorithms as alg
from analog_models.crossbar import CrossbarArray
from analog_models.datasets import Dataset

from .job import JobConfig


def array_seed(job_seed: int, layer: int, array: str) -> int:
    """Seed of one physical array: the agent's copy and the model's copy share it."""
    return job_seed * 1000 + layer * 10 + (0 if array == "A" else 1)


def build_arrays(job: JobConfig, tile_cfgs, device, periphery) -> list[dict[str, CrossbarArray]]:
    return [{name: CrossbarArray(cfg.rows, cfg.cols, device, periphery, cfg.adc_bits,
                                 array_seed(job.seed, layer, name))
             for name in ("A", "C")}
            for layer, cfg in enumerate(tile_cfgs)]


@dataclass
class History:
    epoch_accuracy: list = field(default_factory=list)        # RTL (or backend) test accuracy
    epoch_model_accuracy: list = field(default_factory=list)  # lockstep model's own outputs
    epoch_train_accuracy: list = field(default_factory=list)
    inference: list = field(default_factory=list)


class AnalogMlp:
    """features-hidden-classes perceptron, one tile per layer, trained in situ.

    Forward: tile0 FORWARD (x, 1) -> sigmoid -> tile1 FORWARD (h, 1) -> softmax.
    Backward: the output error d2 = p - onehot goes through tile1 BACKWARD (transposed read);
    d1 = (W2^T d2)[:-1] * h (1 - h).
    c-TTv2: UPDATE on the fast arrays A with chopped inputs, then TRANSFER rows of A into C
    through the tile's H accumulator. SGD: UPDATE straight on C.
    """

    def __init__(self, tiles, job: JobConfig, dw_min: float, out_bound: float):
        self.tiles = tiles
        self.job = job
        self.dw_min = dw_min
        self.out_bound = out_bound
        self.rng = np.random.default_rng(job.seed)
        self.choppers = [alg.Chopper(t.cfg.rows, job.chop_prob, self.rng) for t in tiles]
        self.model_logits = None

    async def setup(self) -> None:
        """Initial programming (device physics) and tile registers."""
        for layer, tile in enumerate(self.tiles):
            w = alg.init_weights(tile.cfg.rows, tile.cfg.cols, self.rng, 1.0)
            tile.analog("program", np.clip(w / self.job.weight_scale, -1.0, 1.0), array="C")
            if self.job.algorithm == "cttv2":
                # A's zero is its own symmetry point: settle, then program the reference there.
                tile.analog("settle_to_symmetry_point", self.job.settle_cycles, array="A")
                tile.analog("set_reference_to_state", array="A")
            await tile.set_seed(self.job.seed * 7919 + layer + 1)
            await tile.set_thresh(self.job.thresh)
            await tile.clear_h()

    async def _mvm(self, tile, x: np.ndarray, transposed: bool) -> np.ndarray:
        codes, scale = alg.dac_codes(x, tile.cfg.dac_max)
        op = tile.backward if transposed else tile.forward
        result = await op(codes, "C")
        values = self.job.weight_scale * alg.adc_values(result.out, scale, self.out_bound,
                                                         tile.cfg.adc_max)
        model = getattr(tile, "last_model_result", None)
        model_values = None
        if model is not None:
            model_values = self.job.weight_scale * alg.adc_values(
                model.out, scale, self.out_bound, tile.cfg.adc_max)
        return values, model_values

    async def predict(self, x: np.ndarray):
        x1 = alg.with_bias(x)
        z1, _ = await self._mvm(self.tiles[0], x1, False)
        h = alg.sigmoid(z1)
        x2 = alg.with_bias(h)
        z2, z2_model = await self._mvm(self.tiles[1], x2, False)
        return x1, h, x2, z2, z2_model

    async def train_sample(self, x: np.ndarray, label: int) -> bool:
        x1, h, x2, z2, _ = await self.predict(x)
        d2 = alg.softmax(z2)
        d2[label] -= 1.0
        back, _ = await self._mvm(self.tiles[1], d2, True)
        d1 = back[:-1] * h * (1.0 - h)
        for layer, (tile, xin, d) in enumerate(zip(self.tiles, (x1, x2), (d1, d2))):
            await self._update(layer, tile, xin, d)
        return int(np.argmax(z2)) == label

    async def _update(self, layer: int, tile, x: np.ndarray, d: np.ndarray) -> None:
        job = self.job
        if job.algorithm == "sgd":
            codes = alg.update_codes(x, d, job.lr / job.weight_scale, self.dw_min, tile.cfg.max_bl)
            if codes is not None:
                await tile.update(codes.px, codes.pd, codes.bl, "C")
            return
        chopper = self.choppers[layer]
        codes = alg.update_codes(chopper.chop(x), d, job.fast_lr / job.weight_scale,
                                 self.dw_min, tile.cfg.max_bl)
        if codes is not None:
            await tile.update(codes.px, codes.pd, codes.bl, "A")
        for _ in range(job.transfers_per_sample):
            row, negative = chopper.next_transfer()
            await tile.transfer(row, negative)

    async def train_epoch(self, x: np.ndarray, y: np.ndarray, progress=None) -> float:
        correct = 0
        for count, idx in enumerate(self.rng.permutation(len(x)), start=1):
            correct += await self.train_sample(x[idx], int(y[idx]))
            if progress is not None:
                progress(count, correct / count)
        return correct / len(x)

    async def evaluate(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float | None]:
        """Test accuracy of the backend's outputs (and of the lockstep model's own outputs)."""
        correct = correct_model = 0
        lockstep = False
        for xi, yi in zip(x, y):
            *_, z2, z2_model = await self.predict(xi)
            correct += int(np.argmax(z2)) == yi
            if z2_model is not None:
                lockstep = True
                correct_model += int(np.argmax(z2_model)) == yi
        n = len(x)
        return correct / n, (correct_model / n if lockstep else None)


async def run_job(tiles, job: JobConfig, data: Dataset, dw_min: float, out_bound: float,
                  progress_factory=None, log=print, on_trained=None) -> tuple[AnalogMlp, History]:
    """Train for job.epochs, evaluate after each epoch, then age and infer."""
    x_train, y_train, x_test, y_test = job.split(data)

    net = AnalogMlp(tiles, job, dw_min, out_bound)
    await net.setup()
    history = History()
    for epoch in range(job.epochs):
        progress = progress_factory(epoch, len(x_train)) if progress_factory else None
        train_acc = await net.train_epoch(x_train, y_train, progress.update if progress else None)
        if progress:
            progress.close()
        acc, model_acc = await net.evaluate(x_test, y_test)
        history.epoch_train_accuracy.append(train_acc)
        history.epoch_accuracy.append(acc)
        history.epoch_model_accuracy.append(model_acc if model_acc is not None else acc)
        log(f"epoch {epoch + 1}/{job.epochs}: train {train_acc:.3f}  test {acc:.3f}")

    if on_trained is not None:
        on_trained()
    for tile in tiles:
        tile.analog("start_inference")
    for t in job.aging:
        for tile in tiles:
            tile.analog("set_time", float(t))
        acc, model_acc = await net.evaluate(x_test, y_test)
        history.inference.append({"t_seconds": float(t), "rtl_accuracy": acc,
                                  "model_accuracy": model_acc if model_acc is not None else acc})
        log(f"inference after {t:.3g} s: test {acc:.3f}")
    return net, history
