"""The camera registry: city, ALPR, business and residential cameras with mounting, owner retention and sharing level;
the owner's access log, linked-camera health, and canvass (which cameras could have seen a place and time).
"""
