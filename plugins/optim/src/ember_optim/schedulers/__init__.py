"""The built-in learning-rate schedulers; each public module's ``__all__`` is published in
``ember.optim.lr_scheduler`` (the base class ``LRScheduler`` lives in the core)."""
