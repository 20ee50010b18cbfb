"""Flags, screening, the queue and the audit log arrive with the moderation issue."""
