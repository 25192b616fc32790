-- 0006: intake that works with the IMAP servers people really have
-- (dovecot, Cyrus, Courier, GNU Mailutils).

-- The heartbeat says more, for `fiches status` and the console: when the
-- next attempt is due after an error (a refused password waits hours),
-- the last failure of the post-action (intake of new mail goes on
-- meanwhile), what the user should know about the server (no UIDPLUS,
-- another database reading the same mailbox, messages the server hid),
-- and the server with its capabilities.
ALTER TABLE heartbeat ADD COLUMN next_attempt_at TEXT;
ALTER TABLE heartbeat ADD COLUMN post_action_error TEXT;
ALTER TABLE heartbeat ADD COLUMN post_action_error_at TEXT;
ALTER TABLE heartbeat ADD COLUMN warning TEXT;
ALTER TABLE heartbeat ADD COLUMN warning_at TEXT;
ALTER TABLE heartbeat ADD COLUMN server TEXT;

-- This database: its identity names the keyword ($FichesDaemon_…) it adds
-- to the messages it takes, so that a second database reading the same
-- mailbox is noticed.
CREATE TABLE database_identity (
    id          TEXT NOT NULL PRIMARY KEY,
    created_at  TEXT NOT NULL
) STRICT;
INSERT INTO database_identity (id, created_at)
VALUES (lower(hex(randomblob(8))), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));

-- Which mailbox of which server each watched account is, as last seen.
CREATE TABLE imap_mailbox_identity (
    account       TEXT NOT NULL,
    mailbox       TEXT NOT NULL,
    host          TEXT NOT NULL,
    port          INTEGER NOT NULL,
    username      TEXT NOT NULL,
    uidvalidity   INTEGER NOT NULL,
    first_seen_at TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL,
    PRIMARY KEY (account, mailbox)
) STRICT;
