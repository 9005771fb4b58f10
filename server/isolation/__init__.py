"""Query processes (pool.py) and the loop each one runs (child.py): what clients send is evaluated apart from the
server, so a crash, a runaway or a memory hog costs one process, which is killed and replaced."""
