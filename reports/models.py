"""Aggregations for decision-makers arrive with the reports issue."""
