"""Investigations: plate search, vehicle history, stakeouts, common plates and co-travel over stored ALPR reads. Every
search is purpose-bound and audited.
"""
