"""Declarative specs: source layouts, measure specs and configuration, as frozen pydantic models."""
