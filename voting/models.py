"""Votes, statement responses and polls arrive with the participation issue."""
