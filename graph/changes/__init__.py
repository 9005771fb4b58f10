"""Changes: every accepted write a changeset — computed once, journaled, applied, kept as history."""
