"""`python -m graph` is the `mgkg` command."""

from graph.cli import main

main()
