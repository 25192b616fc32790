-- 0008: attachments the reader died on (outcome 'rejected'), and the tries
-- of messages whose intake may end the process (poison messages).

-- Tries of a message's intake, recorded BEFORE each try and deleted with
-- the message's own commit. A row left behind means a try ended the
-- process (an abort, the memory limit, a kill): the message is tried
-- again alone, and after a bounded number of tries stored as 'error'
-- without being read, so that no message can stop the intake for good.
CREATE TABLE intake_attempts (
    source_ref TEXT PRIMARY KEY,             -- maildir:…, file:…, imap://…;UID=n
    attempts   INTEGER NOT NULL,
    first_at   TEXT NOT NULL,
    last_at    TEXT NOT NULL
) STRICT;

-- SQLite cannot change a CHECK constraint in place: the attachments table
-- is rebuilt with 'rejected' among the outcomes. Proposals refer to it:
-- their foreign key is checked at the commit, once every row is back.
PRAGMA defer_foreign_keys = ON;

CREATE TEMP TABLE attachments_0008 AS SELECT * FROM attachments;
DROP TABLE attachments;
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
                   ('fiche','blank','unsupported_format','not_a_fiche','corrupt','too_large',
                    'ignored','rejected')),
    reason       TEXT,
    UNIQUE (message_id, position)
) STRICT;
INSERT INTO attachments (id, message_id, position, part_path, filename, content_type, size,
                         sha256, format, outcome, reason)
    SELECT id, message_id, position, part_path, filename, content_type, size,
           sha256, format, outcome, reason
    FROM attachments_0008 ORDER BY id;
DROP TABLE attachments_0008;
CREATE INDEX attachments_message ON attachments(message_id);
