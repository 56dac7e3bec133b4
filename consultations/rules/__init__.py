"""Permissions as django-rules predicates, one module per area (the same areas as views/).

Visibility (who may *see* an object) lives in the selectors; these rules say what a user who can see an object may
*do* with it. Templates ask ``{% has_perm %}``; services re-check. Importing this package registers every
permission (rules' autodiscovery imports it at start-up).
"""

from consultations.rules import accounts, api_tokens, intelligence, positions, state_of_play, triage  # noqa: F401 - registers their permissions
