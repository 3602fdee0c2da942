"""Dispatch: the supervisors' triage queue, assignment by district, merging duplicates, transfers."""
