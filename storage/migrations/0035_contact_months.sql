-- Per household and year, the months in which it had a contact of each kind: bit m-1 of a
-- kind's mask is set when a contact of that kind, not deleted, is dated in month m. The
-- digest's figures (storage/figures.py fold_marks) read these few integers instead of
-- every contact of the window (a million at 100,000 households). A household-year with no
-- such contact has no row.
--
-- Triggers keep it exact, whatever writes the contacts (a log, an edit, a deletion, an
-- erasure, an import, a merge, a backfill): a new contact sets its month's bit; an edit,
-- a (soft or hard) deletion or an undeletion recounts the household-years it touched, the
-- one it left and the one it entered, from the contacts themselves (a few rows each, found
-- through contacts_household_day). Never write contacts with INSERT OR REPLACE: the row it
-- replaces is deleted without firing the delete trigger (SQLite fires it only with
-- recursive_triggers on), and its month would stay marked.
--
-- A later migration that rebuilds `contacts` (new table, copy, drop, rename) must first drop
-- the view contact_months_counted and the three triggers, and create them again after: the
-- view names contacts (the rename fails while it exists), and DROP TABLE drops the triggers
-- without a word, after which the digest would stop seeing new contacts.
CREATE TABLE contact_months (
    household_id  INTEGER NOT NULL,
    year          INTEGER NOT NULL,
    call          INTEGER NOT NULL DEFAULT 0,
    visit         INTEGER NOT NULL DEFAULT 0,
    deed          INTEGER NOT NULL DEFAULT 0,
    other         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (household_id, year)
) WITHOUT ROWID;

-- The one definition of a household-year's masks, counted from the contacts: the fill below
-- and every recount in the triggers read it. Asked for one household, SQLite pushes the
-- condition into the view and reads only that household's contacts through
-- contacts_household_day (tests/storage/test_contact_months.py checks the plan).
CREATE VIEW contact_months_counted (household_id, year, call, visit, deed, other) AS
    SELECT household_id, CAST(substr(day, 1, 4) AS INTEGER),
           COALESCE(SUM(DISTINCT CASE WHEN kind = 'call'
               THEN 1 << (CAST(substr(day, 6, 2) AS INTEGER) - 1) END), 0),
           COALESCE(SUM(DISTINCT CASE WHEN kind = 'visit'
               THEN 1 << (CAST(substr(day, 6, 2) AS INTEGER) - 1) END), 0),
           COALESCE(SUM(DISTINCT CASE WHEN kind = 'deed'
               THEN 1 << (CAST(substr(day, 6, 2) AS INTEGER) - 1) END), 0),
           COALESCE(SUM(DISTINCT CASE WHEN kind = 'other'
               THEN 1 << (CAST(substr(day, 6, 2) AS INTEGER) - 1) END), 0)
    FROM contacts WHERE deleted = 0
    GROUP BY household_id, CAST(substr(day, 1, 4) AS INTEGER);

INSERT INTO contact_months SELECT * FROM contact_months_counted;

-- Adding a contact only ever sets one bit: no recount needed.
CREATE TRIGGER contact_months_insert AFTER INSERT ON contacts WHEN NEW.deleted = 0
BEGIN
    INSERT INTO contact_months (household_id, year, call, visit, deed, other)
        VALUES (NEW.household_id, CAST(substr(NEW.day, 1, 4) AS INTEGER),
                CASE NEW.kind WHEN 'call' THEN 1 << (CAST(substr(NEW.day, 6, 2) AS INTEGER) - 1)
                    ELSE 0 END,
                CASE NEW.kind WHEN 'visit' THEN 1 << (CAST(substr(NEW.day, 6, 2) AS INTEGER) - 1)
                    ELSE 0 END,
                CASE NEW.kind WHEN 'deed' THEN 1 << (CAST(substr(NEW.day, 6, 2) AS INTEGER) - 1)
                    ELSE 0 END,
                CASE NEW.kind WHEN 'other' THEN 1 << (CAST(substr(NEW.day, 6, 2) AS INTEGER) - 1)
                    ELSE 0 END)
        ON CONFLICT (household_id, year) DO UPDATE SET
            call = call | excluded.call, visit = visit | excluded.visit,
            deed = deed | excluded.deed, other = other | excluded.other;
END;

-- An edit may move a contact to another household, day (and year) or kind, delete it or
-- bring it back: the row it left and the row it entered are both recounted (the same row
-- twice when it stayed in its household-year).
CREATE TRIGGER contact_months_update
    AFTER UPDATE OF household_id, day, kind, deleted ON contacts
    WHEN OLD.household_id IS NOT NEW.household_id OR OLD.day IS NOT NEW.day
        OR OLD.kind IS NOT NEW.kind OR OLD.deleted IS NOT NEW.deleted
BEGIN
    DELETE FROM contact_months
        WHERE household_id = OLD.household_id
            AND year = CAST(substr(OLD.day, 1, 4) AS INTEGER);
    INSERT INTO contact_months SELECT * FROM contact_months_counted
        WHERE household_id = OLD.household_id
            AND year = CAST(substr(OLD.day, 1, 4) AS INTEGER);
    DELETE FROM contact_months
        WHERE household_id = NEW.household_id
            AND year = CAST(substr(NEW.day, 1, 4) AS INTEGER);
    INSERT INTO contact_months SELECT * FROM contact_months_counted
        WHERE household_id = NEW.household_id
            AND year = CAST(substr(NEW.day, 1, 4) AS INTEGER);
END;

-- A contact removed for good (an erasure): its household-year is recounted.
CREATE TRIGGER contact_months_delete AFTER DELETE ON contacts WHEN OLD.deleted = 0
BEGIN
    DELETE FROM contact_months
        WHERE household_id = OLD.household_id
            AND year = CAST(substr(OLD.day, 1, 4) AS INTEGER);
    INSERT INTO contact_months SELECT * FROM contact_months_counted
        WHERE household_id = OLD.household_id
            AND year = CAST(substr(OLD.day, 1, 4) AS INTEGER);
END;
