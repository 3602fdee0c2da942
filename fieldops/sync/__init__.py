"""Server side of offline sync: staged photo uploads, idempotent replay of outbox actions, conflicts."""
