"""The conformance suite's test modules: ``ops`` (the shared op case table: values, gradients,
finite differences, second derivatives) and ``semantics`` (the checks of
``ember_conformance.checks``). Collected by ``python -m ember_conformance``; the module names
do not start with ``test_`` so that a plain ``pytest`` run over the repository does not pick
them up without a device."""
