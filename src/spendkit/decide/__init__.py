"""Decisions with evidence: place, size and sector of every payee."""
