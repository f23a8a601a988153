"""Open311's answers as the schema declares them (the routes build them as plain dicts in the
spec's field names; these models only tell clients, and schemathesis, what comes back)."""

from typing import Literal

from pydantic import BaseModel


class Endpoint(BaseModel):
    specification: str
    url: str
    changeset: str
    type: Literal["production", "test"]
    formats: list[str]


class Discovery(BaseModel):
    changeset: str
    contact: str
    key_service: str
    endpoints: list[Endpoint]


class Service(BaseModel):
    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: Literal["realtime", "batch", "blackbox"]
    keywords: str
    group: str


class Extended(BaseModel):
    mcu_status: str
    mcu_status_ru: str
    kind: str
    locality: str | None


class ServiceRequest(BaseModel):
    service_request_id: str
    status: Literal["open", "closed"]
    status_notes: str
    service_name: str | None
    service_code: str | None
    description: str
    agency_responsible: str | None
    service_notice: str | None
    requested_datetime: str | None
    updated_datetime: str | None
    expected_datetime: str | None
    address: str | None
    address_id: str | None
    zipcode: str | None
    lat: float | None
    long: float | None
    media_url: str | None
    extended_attributes: Extended


class Created(BaseModel):
    service_request_id: str
    service_notice: str
    account_id: str | None
