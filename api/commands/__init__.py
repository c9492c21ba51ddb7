"""The `hoso` subcommands, one module per command group; `hoso.api.cli` registers them.

Each module has a `register(app)` that adds its commands through `common.add_command`, so every
command runs inside the one error handler (`common.reporting`) and none repeats it.
"""
