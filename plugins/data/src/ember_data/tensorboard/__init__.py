"""``ember.utils.tensorboard``: write TensorBoard event files without tensorflow."""

from .writer import SummaryWriter

__all__ = ["SummaryWriter"]
