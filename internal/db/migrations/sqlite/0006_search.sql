-- Full-text search (internal/search). search_docs holds what a hit shows
-- (and the text its snippet is cut from); search_fts is the index proper.
--
-- id is the document key: (days since 1970-01-01 of published_on) << 32 |
-- (a sequence number within the day) << 8. Keys sort by publication date,
-- so "newest first" is a walk down the index. A document is indexed as one
-- or more parts (see internal/search/parts.go); part n is the FTS5 row
-- id + n.
--
-- The FTS5 table is contentless: its columns hold tokens made by
-- internal/textzh (overlapping bigrams of Chinese text, words, numbers),
-- joined by spaces, which the ascii tokenizer splits again unchanged ('_'
-- belongs to tokens so that the filter tokens in meta, such as a_12 for
-- agency 12, stay whole).
CREATE TABLE search_docs (
    id            INTEGER PRIMARY KEY,
    source        TEXT NOT NULL,
    source_id     INTEGER NOT NULL,
    agency_id     INTEGER NOT NULL,
    url           TEXT NOT NULL,
    title         TEXT NOT NULL,
    doc_number    TEXT NOT NULL,
    published_on  TEXT NOT NULL,
    kind          TEXT NOT NULL,
    topic_id      INTEGER NOT NULL,
    column_ids    TEXT NOT NULL,
    five_publics  TEXT NOT NULL,
    parts         INTEGER NOT NULL,
    indexed_at    TIMESTAMP NOT NULL,
    lead          TEXT NOT NULL,
    body          TEXT NOT NULL,
    UNIQUE (source, source_id)
);

CREATE VIRTUAL TABLE search_fts USING fts5(
    title, docno, body, meta,
    content = '',
    contentless_delete = 1,
    tokenize = "ascii tokenchars '_'",
    detail = full
);

-- The titles (with 文号 and filters) again, one row per document (rowid =
-- id): a small index that finds the newest documents with every query
-- term in the title, for relevance ranking.
CREATE VIRTUAL TABLE search_titles USING fts5(
    title, docno, meta,
    content = '',
    contentless_delete = 1,
    tokenize = "ascii tokenchars '_'",
    detail = full
);

-- The documents of the one-in-32 sample (see internal/search/doc.go),
-- indexed again: counting a query's hits in this small index estimates
-- large totals cheaply.
CREATE VIRTUAL TABLE search_sample USING fts5(
    title, docno, body, meta,
    content = '',
    contentless_delete = 1,
    tokenize = "ascii tokenchars '_'",
    detail = full
);
