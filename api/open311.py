"""Placeholder: filled in by the reports work (issue 4)."""

from fastapi import APIRouter

router = APIRouter()
