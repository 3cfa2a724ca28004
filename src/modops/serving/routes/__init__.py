"""HTTP routes, one module per area."""

from fastapi import APIRouter

from modops.serving.routes import health, models, moderate, openai, pii


def all_routers() -> list[APIRouter]:
    return [health.router, moderate.router, openai.router, pii.router, models.router]
