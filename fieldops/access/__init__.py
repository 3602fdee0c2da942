"""Who may see and do what: one rule per object kind (see policies.py). Not a feature: it registers nothing."""
