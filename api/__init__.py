"""HTTP API and the `hoso` command line."""
