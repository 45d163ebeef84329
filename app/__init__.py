"""Border Incident Tracker: incidents on the Pakistan–Afghanistan border and each party's claims."""

__version__ = "0.1.0"
