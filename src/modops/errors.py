"""Errors that users see: each one is a single readable line with an exit code."""

from __future__ import annotations


class ModopsError(Exception):
    """Base class for expected, user-facing failures.

    The CLI prints ``error: <message>`` and exits with ``exit_code``; the service
    turns it into a JSON error with ``http_status``.
    """

    exit_code: int = 2
    http_status: int = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(ModopsError):
    """Bad input: malformed file, wrong type, empty or oversized value."""

    http_status = 422


class NotFoundError(ModopsError):
    """An unknown dataset version, model, detector or a missing file."""

    http_status = 404


class PolicyError(ModopsError):
    """A missing or invalid policy."""


class DataError(ModopsError):
    """A dataset that fails validation (missing columns, bad encoding, ...)."""

    http_status = 422


class RegistryError(ModopsError):
    """A registry operation that cannot be done (no such version, alias, ...)."""


class ArtifactError(ModopsError):
    """A model artifact that lacks what a loader needs."""
