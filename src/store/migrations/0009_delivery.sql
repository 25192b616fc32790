-- 0009: what leaves the building (issue 12): letters held for a review of
-- their recipient, the article of an organisation's name, the weekly
-- publication's schedule, and the e-mail to the partners.

-- A letter goes to one person: the fiche's contact address when it is one
-- valid address of the sender or of the sender's domain, else the
-- sender's. Anything else (several addresses, an invalid one, an address
-- of another domain) holds the letter until staff confirm its recipient:
-- `reviewed_to` is the recipient they confirmed; the hold is lifted only
-- while the letter would still go to exactly that recipient.
ALTER TABLE letters ADD COLUMN reviewed_to TEXT;
ALTER TABLE letters ADD COLUMN reviewed_at TEXT;
ALTER TABLE letters ADD COLUMN reviewed_by TEXT;

-- The article staff gave an organisation's name in the letters, for odd
-- cases the grammar gets wrong ("le Pays de Retz"), by proposal number
-- (so every revision of the fiche keeps it).
CREATE TABLE proposal_articles (
    number  INTEGER PRIMARY KEY,
    article TEXT NOT NULL CHECK (article IN ('le', 'la', 'l''', 'les', 'aucun')),
    set_at  TEXT NOT NULL,
    set_by  TEXT NOT NULL
) STRICT;

-- The daemon's weekly publication: when it first saw the schedule (nothing
-- is published for a scheduled instant before that: the first start waits
-- for the schedule) and when it last ran, whether or not the public lists
-- changed (an unchanged week records no publication and takes no number).
CREATE TABLE publish_schedule (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    armed_at    TEXT NOT NULL,
    last_run_at TEXT,
    last_result TEXT
) STRICT;

-- The e-mail to the partners of `[publish] partners`: one per publication
-- that changed the public lists, with the public changelog since the last
-- one that went out (`since`) and the lists attached (files of the
-- publication's folder) or linked. Same life as a letter: pending (approved
-- by staff, or automatically with `auto_send_publication = true`),
-- sending, sent, uncertain, failed, replaced (a newer publication's e-mail
-- took its place before it went), dropped.
CREATE TABLE partner_mails (
    id              INTEGER PRIMARY KEY,
    publication     INTEGER NOT NULL UNIQUE REFERENCES publications(number),
    since           INTEGER REFERENCES publications(number),
    recipients      TEXT NOT NULL CHECK (json_valid(recipients)),
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    attachments     TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(attachments)),
    dir             TEXT,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN
                      ('pending','sending','sent','uncertain','failed','replaced','dropped')),
    message_id      TEXT UNIQUE,
    approved_at     TEXT,
    approved_by     TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    last_error      TEXT,
    sending_at      TEXT,
    sent_at         TEXT,
    response        TEXT,
    sent_to         TEXT,
    sent_cc         TEXT,
    sent_subject    TEXT,
    sent_body       TEXT,
    replaced_by     INTEGER REFERENCES partner_mails(id),
    closed_by       TEXT,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
) STRICT;
CREATE INDEX partner_mails_state ON partner_mails(state);
-- At most one unsent e-mail to the partners.
CREATE UNIQUE INDEX partner_mails_one_unsent ON partner_mails((state IN ('pending', 'failed')))
    WHERE state IN ('pending', 'failed');

CREATE TABLE partner_mail_raw (
    mail_id INTEGER PRIMARY KEY REFERENCES partner_mails(id),
    bytes   BLOB NOT NULL
) STRICT;

CREATE TABLE partner_mail_events (
    id      INTEGER PRIMARY KEY,
    mail_id INTEGER NOT NULL REFERENCES partner_mails(id),
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    event   TEXT NOT NULL,
    detail  TEXT CHECK (detail IS NULL OR json_valid(detail))
) STRICT;
CREATE INDEX partner_mail_events_mail ON partner_mail_events(mail_id);
CREATE TRIGGER partner_mail_events_no_update BEFORE UPDATE ON partner_mail_events
BEGIN
    SELECT RAISE(ABORT, 'partner_mail_events is append-only');
END;
CREATE TRIGGER partner_mail_events_no_delete BEFORE DELETE ON partner_mail_events
BEGIN
    SELECT RAISE(ABORT, 'partner_mail_events is append-only');
END;
