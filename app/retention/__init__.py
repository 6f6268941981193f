"""Retention across domains: personal data of closed cases (cases, chats, booking contacts) is purged."""
