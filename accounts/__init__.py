"""Accounts: the custom user (email login), roles, ban and unban."""
