-- 0003: the intake daemon: pending IMAP post-actions, messages not taken,
-- and the heartbeat the console reads.

-- A post-action (move, keyword, flag) committed together with its message and
-- not yet confirmed done on the server. Replayed at the next pass, after a
-- crash or a lost connection; rows of an older UIDVALIDITY are dropped (their
-- UIDs name nothing any more).
CREATE TABLE imap_pending_actions (
    account     TEXT NOT NULL,
    mailbox     TEXT NOT NULL,
    uidvalidity INTEGER NOT NULL,
    uid         INTEGER NOT NULL,
    action      TEXT NOT NULL,              -- none | move:FOLDER | keyword:KW | flag:\Seen
    created_at  TEXT NOT NULL,
    PRIMARY KEY (account, mailbox, uidvalidity, uid)
) STRICT;

-- Messages seen on the server but not downloaded (over `max_message_bytes`):
-- staff must fetch them by hand. The watermark moved past them.
CREATE TABLE imap_skipped (
    id          INTEGER PRIMARY KEY,
    account     TEXT NOT NULL,
    mailbox     TEXT NOT NULL,
    uidvalidity INTEGER NOT NULL,
    uid         INTEGER NOT NULL,
    size        INTEGER NOT NULL,
    reason      TEXT NOT NULL,              -- French, for staff
    at          TEXT NOT NULL,
    UNIQUE (account, mailbox, uidvalidity, uid)
) STRICT;

-- One row per account and mailbox watched by `fiches daemon`: is it alive,
-- when did it last reach the server, what went wrong last. Counters are those
-- of the current run (since started_at); they move in the same transaction as
-- the messages they count.
CREATE TABLE heartbeat (
    account          TEXT NOT NULL,
    mailbox          TEXT NOT NULL,
    pid              INTEGER,
    started_at       TEXT,                  -- start of the current (or last) run, UTC
    state            TEXT NOT NULL DEFAULT 'starting' CHECK (state IN
                       ('starting','syncing','idle','waiting','reconnecting','stopped')),
    last_contact_at  TEXT,                  -- last successful exchange with the server
    last_new_mail_at TEXT,                  -- last new message stored
    last_error       TEXT,                  -- French, as logged
    last_error_at    TEXT,
    messages         INTEGER NOT NULL DEFAULT 0,  -- new messages stored
    duplicates       INTEGER NOT NULL DEFAULT 0,  -- fetched but already stored
    proposals        INTEGER NOT NULL DEFAULT 0,  -- proposals created
    skipped          INTEGER NOT NULL DEFAULT 0,  -- not downloaded (too large)
    errors           INTEGER NOT NULL DEFAULT 0,  -- failed passes (network, server, store)
    updated_at       TEXT NOT NULL,
    PRIMARY KEY (account, mailbox)
) STRICT;
