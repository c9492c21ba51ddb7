"""`python -m hoso` is the `hoso` command (tests and benchmarks run it this way)."""

from hoso.api.cli import app

app(prog_name="hoso")
