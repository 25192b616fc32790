-- 0005: publications of the programme (issue 6). One row per `fiches publish`
-- (not for drafts): its number, when, by whom, whether anything changed since
-- the previous one, the snapshot it published and the changelog sent.
CREATE TABLE publications (
    number        INTEGER PRIMARY KEY,          -- 1, 2, 3... one more each time
    published_at  TEXT NOT NULL,                -- RFC 3339, local time with offset
    author        TEXT NOT NULL,                -- staff login, or "planification"
    unchanged     INTEGER NOT NULL CHECK (unchanged IN (0, 1)),
    snapshot      TEXT NOT NULL CHECK (json_valid(snapshot)),
    changes       TEXT NOT NULL,                -- the French changelog (text)
    dir           TEXT                          -- folder written, NULL when unchanged
) STRICT;
