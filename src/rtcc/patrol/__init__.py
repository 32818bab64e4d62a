"""Patrol: near-repeat alerts after burglaries, patrol plans over the highest-risk cells with their dose planned and
delivered, and residents' vacation house checks."""
