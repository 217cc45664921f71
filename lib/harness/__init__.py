"""The harness run-and-judge path (see __main__.py)."""
