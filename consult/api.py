"""Placeholder router; the read API is written next."""
from rest_framework.routers import DefaultRouter

router = DefaultRouter()
