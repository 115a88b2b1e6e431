"""The notification tests' SMTP server (tests/mailserver.py)."""

from tests.mailserver import Inbox, smtp

__all__ = ["Inbox", "smtp"]
