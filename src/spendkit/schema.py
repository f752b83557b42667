"""The vocabulary every stage shares: the classes a payee is put in, and their labels."""

from __future__ import annotations

GEOGRAPHY_CLASSES = ("local", "sub_regional", "regional", "national", "outside_uk", "unknown")
SIZE_CLASSES = ("micro", "small", "medium", "sme", "large", "unknown")
SECTOR_CLASSES = ("vcfse", "private", "public", "individual", "unknown")

LABELS = {
    "local": "Local", "sub_regional": "Sub-regional", "regional": "Regional",
    "national": "National", "outside_uk": "Outside UK", "unknown": "Unknown",
    "micro": "Micro", "small": "Small", "medium": "Medium", "sme": "SME (band unknown)",
    "large": "Large", "vcfse": "VCFSE", "private": "Private", "public": "Public bodies",
    "individual": "Individuals",
}
