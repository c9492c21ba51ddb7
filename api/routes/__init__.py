"""The HTTP routes, one module per area, each exposing an `APIRouter` that `hoso.api.app`
includes. A handler checks the caller's role and province, asks storage, the job queue or the
verifier one thing, and shapes the answer with `hoso.api.schemas`; it holds no SQL."""
