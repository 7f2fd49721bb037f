"""ember-distributed: ``ember.distributed`` and ``ember.nn.parallel.DistributedDataParallel``.

Collectives run on an existing engine: MPI through mpi4py for tensors of any device (host
memory), and NCCL through CuPy's ``cupy.cuda.nccl`` for cuda tensors when a group is created
with ``backend="nccl"``. Processes are started by ``mpiexec`` or by
``python -m ember.distributed.run -n N script.py``. See docs/distributed.md.

This module is the plugin: it serves the names of ``ember.distributed``,
``ember.nn.parallel`` and ``ember.distributed.run`` through the ``ember_namespace`` hook;
nothing here imports MPI until a process group is created.
"""

from __future__ import annotations

from ember.hookspecs import hookimpl, namespace_from_modules

__all__ = ["ember_namespace"]

_SOURCES = {
    "ember.distributed": ("ember_distributed.reduce_op", "ember_distributed.work",
                          "ember_distributed.process_group", "ember_distributed.collectives",
                          "ember_distributed.objects"),
    "ember.nn.parallel": ("ember_distributed.ddp",),
    "ember.distributed.run": ("ember_distributed.run",),
}


@hookimpl
def ember_namespace(namespace):
    return namespace_from_modules(_SOURCES, namespace)
