"""Clinic content: staff-edited files validated into typed, immutable models."""

from core.content.errors import ContentError, ContentErrors
from core.content.loader import load_library
from core.content.models import Library, Topic

__all__ = ["ContentError", "ContentErrors", "Library", "Topic", "load_library"]
