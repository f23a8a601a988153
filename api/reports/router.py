"""The curator's reports over HTTP: the figures of `workflows.reports` as JSON, CSV or XLSX.

Read-only. Every route resolves the same query (period, municipality, sector, format) against the
caller's token first (query.py): a municipality's token sees only it, a sector lead only their
sector.
"""

from fastapi import APIRouter

from api.refusals import refusals
from api.reports import figures, lists

router = APIRouter(
    prefix="/api/v1/reports", tags=["reports"], responses=refusals(401, 403, 404, 422)
)
router.include_router(figures.router)
router.include_router(lists.router)
