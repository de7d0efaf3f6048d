"""Stored answers of POSTs sent with an Idempotency-Key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, Integer, LargeBinary, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from app.models.base import timestamp, utcnow


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_keys"
    __table_args__ = (Index("ix_idempotency_keys_expires", "expires_at"),)

    # Who sent it (a hash of the credentials) and the client's key: one namespace per caller.
    owner: str = Field(sa_column=Column(Text, primary_key=True))
    key: str = Field(sa_column=Column(Text, primary_key=True))
    request_hash: str = Field(sa_column=Column(Text, nullable=False))
    # Only committed answers exist: the record is written in the write's own transaction.
    response_status: int = Field(sa_column=Column(Integer, nullable=False))
    response_headers: list[Any] | None = Field(default=None, sa_column=Column(JSONB))
    response_body: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp(server_now=True))
    expires_at: datetime = Field(sa_column=timestamp())
