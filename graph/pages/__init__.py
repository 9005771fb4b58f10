"""What the server's pages show, as data: an entity's facts by source, its RDF description, search, class indexes
with facets, the ontology's terms. Each public job runs as `job(engine, executor, …)` through the one query path
(graph.sparql.request.answer_request), so the server runs it like any query: in a query process, under the
query timeout (server.context.Runtime.run). Nothing here knows HTTP; the texts are queries/pages/*.rq.
"""
