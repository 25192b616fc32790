-- 0014: the kinds of proposal are those of the call definition (call.toml,
-- issue 15), not a list written in the schema: a third kind ("table
-- ronde") is stored like the two of 2018. `kind` keeps a CHECK on its shape
-- only; which keys are known is the definition's business (and
-- `fiches check-call` refuses a definition that would orphan stored ones).
--
-- SQLite cannot change a CHECK in place: `proposals` is rebuilt with the
-- same columns, rows and ids. journal, letters, attachments… refer to it:
-- their foreign keys are checked at the commit, once every row is back.
PRAGMA defer_foreign_keys = ON;

CREATE TEMP TABLE proposals_0014 AS SELECT * FROM proposals;
DROP TABLE proposals;
CREATE TABLE proposals (
    id            INTEGER PRIMARY KEY,
    message_id    INTEGER NOT NULL REFERENCES messages(id),
    attachment_id INTEGER REFERENCES attachments(id),
    kind          TEXT CHECK (kind IS NULL OR (length(kind) BETWEEN 1 AND 64
                                               AND kind NOT GLOB '*[^a-z0-9_]*')),
    fields        TEXT NOT NULL CHECK (json_valid(fields)),
    extra         TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(extra)),
    warnings      TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(warnings)),
    flags         TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(flags)),
    status        TEXT NOT NULL DEFAULT 'pending' CHECK (status IN
                    ('pending','accepted','waitlisted','rejected','withdrawn')),
    slot          TEXT,
    space         TEXT,
    rank          INTEGER,
    chain_key     TEXT,                     -- sender|kind|organisation, normalised; NULL = no chain
    order_key     TEXT NOT NULL,            -- effective date|message sha|position: revision order
    revision      INTEGER NOT NULL DEFAULT 1,
    supersedes    INTEGER REFERENCES proposals(id),
    superseded_by INTEGER REFERENCES proposals(id),
    version       INTEGER NOT NULL DEFAULT 1,   -- optimistic concurrency
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    number        INTEGER,
    wait_pos      INTEGER,
    reason        TEXT
) STRICT;
INSERT INTO proposals (id, message_id, attachment_id, kind, fields, extra, warnings, flags,
                       status, slot, space, rank, chain_key, order_key, revision, supersedes,
                       superseded_by, version, created_at, updated_at, number, wait_pos, reason)
    SELECT id, message_id, attachment_id, kind, fields, extra, warnings, flags,
           status, slot, space, rank, chain_key, order_key, revision, supersedes,
           superseded_by, version, created_at, updated_at, number, wait_pos, reason
    FROM proposals_0014 ORDER BY id;
DROP TABLE proposals_0014;
CREATE INDEX proposals_message ON proposals(message_id);
CREATE INDEX proposals_chain ON proposals(chain_key) WHERE chain_key IS NOT NULL;
CREATE INDEX proposals_live ON proposals(kind, status) WHERE superseded_by IS NULL;
CREATE UNIQUE INDEX proposals_place ON proposals(kind, slot, space)
    WHERE status = 'accepted' AND superseded_by IS NULL;
CREATE INDEX proposals_number ON proposals(number);
