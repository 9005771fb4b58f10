"""`make bench`: mgkg measured against rdflib Memory and raw pyoxigraph (run.py), and SHACL validation (validate.py)."""
