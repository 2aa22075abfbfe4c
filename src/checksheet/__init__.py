"""checksheet: answer customers' security check sheets from live, tamper-evident evidence."""

__version__ = "0.1.0"
