-- 0001: messages, attachments, proposals, journal, IMAP sync state.
-- Applied once, inside a transaction, by store::migrate; PRAGMA user_version
-- records the number of the last migration applied.

-- Every message that reached the inbox, once (unique SHA-256 of its bytes and,
-- when present, unique Message-ID). Raw bytes live in message_raw so listing
-- messages never reads them.
CREATE TABLE messages (
    id            INTEGER PRIMARY KEY,
    sha256        TEXT NOT NULL UNIQUE,
    message_id    TEXT UNIQUE,              -- header Message-ID, without <>
    from_addr     TEXT,                     -- address as written
    from_name     TEXT,
    sender_key    TEXT,                     -- address, lower-cased (resubmission rule)
    subject       TEXT,
    date          TEXT,                     -- Date header, RFC 3339 with its own offset
    received_at   TEXT,                     -- receipt time (Received header or source), UTC
    effective_at  TEXT,                     -- the date the deadline is checked against, UTC
    source_ref    TEXT NOT NULL,            -- maildir:/path:base, file:/path, imap:...
    size          INTEGER NOT NULL,
    status        TEXT NOT NULL CHECK (status IN
                    ('fiche','no_fiche','auto_reply','unsupported','rejected','error')),
    reason        TEXT,                     -- why, in French, for staff
    flags         TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(flags)),
    imported_at   TEXT NOT NULL
) STRICT;

CREATE TABLE message_raw (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    bytes      BLOB NOT NULL
) STRICT;

-- Every MIME leaf part looked at, other than the text bodies.
CREATE TABLE attachments (
    id           INTEGER PRIMARY KEY,
    message_id   INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,          -- order in the message, from 0
    part_path    TEXT NOT NULL,             -- e.g. "2" or "2/1" inside a forwarded mail
    filename     TEXT,                      -- decoded (RFC 2047/2231), NFC
    content_type TEXT,                      -- as declared
    size         INTEGER NOT NULL,          -- decoded bytes
    sha256       TEXT NOT NULL,
    format       TEXT,                      -- sniffed from the content
    outcome      TEXT NOT NULL CHECK (outcome IN
                   ('fiche','blank','unsupported_format','not_a_fiche','corrupt','too_large','ignored')),
    reason       TEXT,
    UNIQUE (message_id, position)
) STRICT;
CREATE INDEX attachments_message ON attachments(message_id);

-- One proposal per fiche read. A resubmission is a new row (new revision)
-- linked to the one it replaces; nothing is overwritten.
CREATE TABLE proposals (
    id            INTEGER PRIMARY KEY,
    message_id    INTEGER NOT NULL REFERENCES messages(id),
    attachment_id INTEGER REFERENCES attachments(id),
    kind          TEXT CHECK (kind IN ('micro_atelier','bourse_projets')),
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
    updated_at    TEXT NOT NULL
) STRICT;
CREATE INDEX proposals_message ON proposals(message_id);
CREATE INDEX proposals_chain ON proposals(chain_key) WHERE chain_key IS NOT NULL;
CREATE INDEX proposals_live ON proposals(kind, status) WHERE superseded_by IS NULL;

-- Append-only record of every change: who, when, what, before and after.
CREATE TABLE journal (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    message_id  INTEGER REFERENCES messages(id),
    proposal_id INTEGER REFERENCES proposals(id),
    before      TEXT CHECK (before IS NULL OR json_valid(before)),
    after       TEXT CHECK (after IS NULL OR json_valid(after))
) STRICT;
CREATE INDEX journal_proposal ON journal(proposal_id);
CREATE INDEX journal_message ON journal(message_id);

CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
BEGIN
    SELECT RAISE(ABORT, 'journal is append-only');
END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN
    SELECT RAISE(ABORT, 'journal is append-only');
END;

-- IMAP watermark: the last UID stored for a mailbox, valid for one UIDVALIDITY.
CREATE TABLE sync_state (
    account     TEXT NOT NULL,
    mailbox     TEXT NOT NULL,
    uidvalidity INTEGER NOT NULL,
    last_uid    INTEGER NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (account, mailbox)
) STRICT;
