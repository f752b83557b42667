"""Classified rows -> the figures: the classify document, reports, rankings, league tables."""
