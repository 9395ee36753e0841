"""Read, parse and chunk reports."""

# Bump when reading, parsing or chunking changes what an index would hold for the same file
# (text, sections, facts, chunk offsets). An index records it in its fingerprint
# (indexing.manifest); `assistant index update` refuses to mix reports of two parser versions.
PARSER_VERSION = 2
