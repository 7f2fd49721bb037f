"""Op implementations. Each module defines ``Function`` classes and the public functions;
``register`` attaches them to ``ember`` and, as methods, to ``Tensor``."""
