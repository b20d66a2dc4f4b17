"""S3 object storage through the `minio` client: MinIO, nanio or any S3 drop in by settings."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI
from minio import Minio

from archivos.settings import Settings


def make_client(settings: Settings) -> Minio:
    return Minio(
        settings.s3_endpoint,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key,
        secure=settings.s3_secure,
    )


def ensure_bucket(client: Minio, bucket: str) -> None:
    if not client.bucket_exists(bucket):
        client.make_bucket(bucket)


async def open_storage(app: FastAPI) -> None:
    settings: Settings = app.state.settings
    app.state.s3 = make_client(settings)
    await asyncio.to_thread(ensure_bucket, app.state.s3, settings.s3_bucket)


async def storage_ready(app: FastAPI) -> bool:
    settings: Settings = app.state.settings
    return bool(await asyncio.to_thread(app.state.s3.bucket_exists, settings.s3_bucket))
