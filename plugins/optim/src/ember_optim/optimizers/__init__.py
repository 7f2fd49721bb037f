"""The built-in optimizers; each public module's ``__all__`` is published in ``ember.optim``."""
