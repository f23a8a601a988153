"""Inbound updates: saved before they are acknowledged, then handed on once each."""
