"""What the REST API takes and returns, one module per step: ``XxxIn`` and ``XxxRead``."""
