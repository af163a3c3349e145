-- Full-text search (internal/search). search_docs holds what a hit shows
-- (and the text its snippet is cut from); search_parts is the index proper.
--
-- id is the document key: (days since 1970-01-01 of published_on) << 32 |
-- (a sequence number) << 8. Keys sort by publication date, so "newest first"
-- is a walk down the key's b-tree. A document is indexed as one or more
-- parts (see internal/search/parts.go); part n is the row key id + n.
--
-- tsv is built by internal/textzh and internal/search as a tsvector literal
-- with explicit positions (title weight A, 文号 weight B, body weight D, then
-- filter tokens such as a_12 without positions), so the server's parser and
-- locale play no part; queries are tsquery literals of phrases (<->).
CREATE TABLE search_docs (
    id            BIGINT PRIMARY KEY,
    source        TEXT NOT NULL,
    source_id     BIGINT NOT NULL,
    agency_id     BIGINT NOT NULL,
    url           TEXT NOT NULL,
    title         TEXT NOT NULL,
    doc_number    TEXT NOT NULL,
    published_on  DATE NOT NULL,
    kind          TEXT NOT NULL,
    topic_id      BIGINT NOT NULL,
    column_ids    TEXT NOT NULL,
    five_publics  TEXT NOT NULL,
    parts         INTEGER NOT NULL,
    indexed_at    TIMESTAMPTZ NOT NULL,
    lead          TEXT NOT NULL,
    body          TEXT NOT NULL,
    UNIQUE (source, source_id)
);

CREATE SEQUENCE search_doc_seq;

-- title_tokens and docno_tokens repeat the title's and the 文号's tokens as
-- text (' tok tok … '), so that a phrase in the title or the 文号 is tested
-- with LIKE on the row itself instead of reading the large tsvector.
CREATE TABLE search_parts (
    key           BIGINT PRIMARY KEY,
    title_tokens  TEXT NOT NULL,
    docno_tokens  TEXT NOT NULL,
    tsv           tsvector NOT NULL
);
CREATE INDEX search_parts_tsv ON search_parts USING gin (tsv);
-- The vectors do not compress (the server would try on every insert and
-- decompress on every read): store them out of line as they are.
ALTER TABLE search_parts ALTER COLUMN tsv SET STORAGE EXTERNAL;
