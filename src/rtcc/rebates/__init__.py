"""The home security camera rebate program: applications, eligibility checks, staff review, budget with waitlist,
payment status and council reports.
"""
