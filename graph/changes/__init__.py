"""Changesets: every accepted write as one changeset (who, when, why, exactly the quads added and removed),
kept in a durable journal (`journal`), as RDF in the history graph (`history`), computed once from an update
(`compute`), applied to a store with its history in one transaction (`apply`), replayed after a build."""
