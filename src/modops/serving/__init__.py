"""The moderation service (FastAPI). ``create_app()`` builds it; ``modops serve`` runs it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from modops.serving.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    # Lazy, so ``import modops.serving`` does not pull FastAPI into every CLI command.
    if name == "create_app":
        from modops.serving.app import create_app

        return create_app
    raise AttributeError(name)
