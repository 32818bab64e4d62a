"""The demo city: simulated Cerritos, CA (real boundary, 19 ALPR camera sites) and its seeded traffic generator."""
