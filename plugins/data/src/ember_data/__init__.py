"""ember-data: fills ``ember.utils.data`` (``DataLoader``, datasets, samplers, collate),
``ember.datasets`` (Digits, MNIST, FashionMNIST, CIFAR10, CSVDataset, ImageFolder),
``ember.transforms`` and ``ember.utils.tensorboard`` (``SummaryWriter``).

Registered through the entry point ``data.builtin = "ember_data"`` exactly like a
third-party plugin. Each namespace is filled from the ``__all__`` of the modules below.
"""

from __future__ import annotations

from ember.hookspecs import hookimpl, namespace_from_modules

__all__ = ["ember_namespace"]

_SOURCES = {
    "ember.utils.data": ("ember_data.dataset", "ember_data.sampler", "ember_data.collate",
                         "ember_data.dataloader"),
    "ember.datasets": ("ember_data.datasets",),
    "ember.transforms": ("ember_data.transforms",),
    "ember.utils.tensorboard": ("ember_data.tensorboard",),
}


@hookimpl
def ember_namespace(namespace):
    return namespace_from_modules(_SOURCES, namespace)
