"""Alerts (hotlist hits, camera offline) and their lifecycle: new -> verified | rejected -> dispatched -> closed."""
