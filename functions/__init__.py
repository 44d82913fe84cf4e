"""HTTP entry points only: each module parses a request and calls the library in ``shared``."""
