"""Where training runs: the device, and data parallelism across processes under `torchrun`.

`caminho-train train` started by `torchrun` (which sets RANK, WORLD_SIZE, LOCAL_RANK and the
rendezvous) joins a `torch.distributed` process group: gloo on CPU, NCCL on GPUs. Every process
holds the same model and reads its own share of the parallel streams (its shard); after each
backward pass the gradients are averaged across processes with one all-reduce, so every process
takes the same optimizer step and the weights stay identical, which is what
`DistributedDataParallel` computes. (The wrapper itself is not used: training swaps in
DropConnect weights per batch with `functional_call`, which must run on the bare module.) The
same all-reduce carries process 0's clock, so the learning-rate schedule and the decision to
stop on a time budget are the same everywhere. Validation is sharded the same way and its sums
are added up. Only process 0 writes checkpoints, prints progress and exports.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import torch
from torch import Tensor

from training.config import DEVICE_CHOICES
from training.errors import TrainError


def choose_device(choice: str = "auto", local_rank: int = 0) -> torch.device:
    """`auto`: the GPU when CUDA is there, else the CPU. `cuda` without CUDA is an error."""
    if choice not in DEVICE_CHOICES:
        raise TrainError(f"--device must be one of {', '.join(DEVICE_CHOICES)}, got {choice!r}",
                         code="options.device", choices=", ".join(DEVICE_CHOICES), choice=repr(choice))
    if choice == "cuda" or (choice == "auto" and torch.cuda.is_available()):
        if not torch.cuda.is_available():
            raise TrainError("--device cuda: this PyTorch sees no CUDA GPU (a CPU-only build, "
                             "or no driver); use --device cpu or auto", code="device.no_cuda")
        return torch.device("cuda", local_rank % max(1, torch.cuda.device_count()))
    return torch.device("cpu")


@dataclass
class Distributed:
    """This process's place in the run: rank `rank` of `world` processes, on `device`."""

    rank: int = 0
    world: int = 1
    local_rank: int = 0
    local_world: int = 1
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))

    @property
    def active(self) -> bool:
        return self.world > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def rows(self, total: int) -> slice:
        """This process's share of `total` parallel streams (from `streams`)."""
        if total < self.world:
            return slice(0, total)  # too few to share out: every process reads them all
        share = total // self.world
        return slice(self.rank * share, (self.rank + 1) * share)

    def streams(self, wanted: int) -> int:
        """A number of parallel streams that splits evenly: `wanted` rounded down to a
        multiple of the world size. A corpus too short for one stream per process (the poem
        is one stream, read from its `<doc>`) stays as it is, and every process reads all of
        it: averaging the same gradients changes nothing, and cutting it would lose the
        context its second half needs."""
        if wanted < self.world:
            return wanted
        return wanted - wanted % self.world

    def sync_gradients(self, parameters: list[Tensor], values: list[float]) -> list[float]:
        """Average the gradients over all processes in one all-reduce; `values` (process 0's
        clock readings) ride along and come back as process 0's values everywhere."""
        if not self.active:
            return values
        grads = [p.grad for p in parameters if p.grad is not None]
        own = torch.tensor(values if self.is_main else [0.0] * len(values),
                           dtype=torch.float32, device=self.device)
        flat = torch.cat([g.reshape(-1) for g in grads] + [own])
        torch.distributed.all_reduce(flat)
        offset = 0
        for g in grads:
            n = g.numel()
            g.copy_((flat[offset : offset + n] / self.world).view_as(g))
            offset += n
        return flat[offset:].cpu().tolist()

    def sum(self, values: list[float]) -> list[float]:
        """Element-wise sum over all processes (validation sums)."""
        if not self.active:
            return values
        t = torch.tensor(values, dtype=torch.float64, device=self.device)
        torch.distributed.all_reduce(t)
        return t.cpu().tolist()

    def main_says(self, flag: bool) -> bool:
        """Process 0's decision, everywhere (stopping on time must be unanimous)."""
        if not self.active:
            return flag
        t = torch.tensor([1.0 if (flag and self.is_main) else 0.0], device=self.device)
        torch.distributed.all_reduce(t)
        return bool(t.item() > 0)

    def finish(self) -> None:
        """Leave the process group together, once the last collective is done. Process 0 goes
        on alone to finish and export the model; the others exit. Without the barrier a
        process that left early tore gloo down while process 0 still held its connections,
        and now and then aborted ("terminate called without an active exception", a CI run
        of the DDP test): every process now destroys the group at the same point."""
        if self.active and torch.distributed.is_initialized():
            torch.distributed.barrier()
            torch.distributed.destroy_process_group()

    def close(self) -> None:
        """Leave the process group if `finish` did not (an error cut the run short)."""
        if self.active and torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()


def under_torchrun() -> bool:
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def setup(device: str = "auto") -> Distributed:
    """This process's Distributed: joins the process group when started by torchrun."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    local_world = int(os.environ.get("LOCAL_WORLD_SIZE", str(world)))
    where = choose_device(device, local_rank)
    if world > 1 and not torch.distributed.is_initialized():
        backend = "nccl" if where.type == "cuda" else "gloo"
        if where.type == "cuda":
            torch.cuda.set_device(where)
        torch.distributed.init_process_group(backend=backend)
    return Distributed(rank, world, local_rank, local_world, where)


def threads_per_process(wanted: int, local_world: int) -> int:
    """CPU threads for one of `local_world` processes on this machine: the cores shared out,
    so that two processes on two cores do not fight over them."""
    cores = os.cpu_count() or 1
    return max(1, min(wanted, cores // max(1, local_world)))
