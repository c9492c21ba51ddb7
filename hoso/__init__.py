"""hoso: scan-to-archive for the paper dossiers handed in at Vietnamese one-stop desks.

Everything installs under this one import root. The repository keeps one top-level folder per
part (`digitize/`, `storage/`, `signatures/`, `workflows/`, `api/`, `ocr_models/`); each appears
here as `hoso.<part>` through a link, so the wheel, an editable install and the type checker all
see the same module names, and nothing but `hoso` lands in site-packages.

The modules directly in this folder are the small kernel that every part may use and that uses
none of them: `errors` (the error base and exit codes), `files` (atomic writes, hashing),
`contract` (document types and the shape of extracted fields), `settings` (every `HOSO_*`
variable, read and checked once) and `desk_time` (Vietnam's time, the desks' days).
Layers point one way: api → workflows → {signatures, storage, digitize} → kernel
(`tests/test_layers.py` enforces it).
"""

from __future__ import annotations


def __getattr__(name: str) -> str:
    """`hoso.__version__`, looked up only when asked: reading the installed distributions'
    metadata took 40-60 ms of every command's start (issue 18)."""
    if name != "__version__":
        raise AttributeError(f"module 'hoso' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("hoso")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"
