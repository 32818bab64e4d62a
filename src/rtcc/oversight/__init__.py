"""Oversight: response-time KPIs over stored calls, the City-Sheriff contract as data, and the council report."""
