"""eventtagger's torch-free core: the document schema, ontology, validation, JSON Lines, metrics and the
annotation formats. The runtime (`eventtagger.inference`) and training (`eventtagger.training`) both build on
it; it imports neither."""
