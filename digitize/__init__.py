"""digitize: turn scanned pages into upright, searchable PDF/A plus text. Bytes in, result out; no
HTTP, database or object store in here (see docs/architecture.md)."""

import os

# One single-threaded Tesseract per core beats a multi-threaded one 4x here (shared/notes/ocr.md).
# OpenMP reads this once, when libtesseract loads; the package runs before any of its modules.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")
