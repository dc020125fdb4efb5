/* The schema, as an ordered list of migrations. Never edit a migration that has
 * shipped: append a new one. Each runs in one transaction with user_version bumped. */
#include "store/migrations.h"

#include "store/store_internal.h"
#include "util/log.h"

#include <stdbool.h>
#include <stdio.h>

typedef struct migration {
    const char *name;
    const char *sql;
} migration;

static const migration migrations[] = {
    {"foundation: meta, organizations, keys, contacts, checks, audit",
     "CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;"

     "CREATE TABLE organizations ("
     "  n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
     "  created INTEGER NOT NULL, modified INTEGER NOT NULL,"
     "  name TEXT NOT NULL, state TEXT NOT NULL, kind TEXT NOT NULL,"
     "  website TEXT, description TEXT);"
     "CREATE INDEX organizations_state ON organizations(state, n);"

     "CREATE TABLE api_keys ("
     "  n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
     "  created INTEGER NOT NULL, modified INTEGER NOT NULL,"
     "  organization TEXT NOT NULL REFERENCES organizations(id),"
     "  role TEXT NOT NULL, label TEXT, prefix TEXT NOT NULL,"
     "  last_used INTEGER, revoked INTEGER, hash TEXT NOT NULL UNIQUE);"
     "CREATE INDEX api_keys_org ON api_keys(organization, n);"

     "CREATE TABLE contacts ("
     "  n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
     "  created INTEGER NOT NULL, modified INTEGER NOT NULL,"
     "  organization TEXT NOT NULL REFERENCES organizations(id),"
     "  state TEXT NOT NULL, full_name TEXT NOT NULL, position TEXT, role TEXT NOT NULL,"
     "  email TEXT, phone TEXT, languages TEXT, hours TEXT, timezone TEXT,"
     "  public_key TEXT, verified_at INTEGER);"
     "CREATE INDEX contacts_state ON contacts(state, n);"
     "CREATE INDEX contacts_org ON contacts(organization, n);"
     "CREATE INDEX contacts_role ON contacts(role, n);"
     /* Free-text search: one FTS5 row per contact (rowid = contacts.n), kept in step by
      * triggers, including the organization's name so that q=CERT finds its people. */
     "CREATE VIRTUAL TABLE contacts_fts USING fts5(full_name, position, email, phone, org_name,"
     "  tokenize = 'unicode61 remove_diacritics 2');"
     "CREATE TRIGGER contacts_fts_ins AFTER INSERT ON contacts BEGIN"
     "  INSERT INTO contacts_fts(rowid, full_name, position, email, phone, org_name)"
     "  VALUES (new.n, new.full_name, new.position, new.email, new.phone,"
     "          (SELECT name FROM organizations WHERE id = new.organization));"
     "END;"
     "CREATE TRIGGER contacts_fts_upd AFTER UPDATE ON contacts BEGIN"
     "  DELETE FROM contacts_fts WHERE rowid = old.n;"
     "  INSERT INTO contacts_fts(rowid, full_name, position, email, phone, org_name)"
     "  VALUES (new.n, new.full_name, new.position, new.email, new.phone,"
     "          (SELECT name FROM organizations WHERE id = new.organization));"
     "END;"
     "CREATE TRIGGER contacts_fts_del AFTER DELETE ON contacts BEGIN"
     "  DELETE FROM contacts_fts WHERE rowid = old.n;"
     "END;"
     /* An organization's state and name are copied into its contacts. */
     "CREATE TRIGGER organizations_propagate AFTER UPDATE OF state, name ON organizations BEGIN"
     "  UPDATE contacts SET state = new.state WHERE organization = new.id;"
     "END;"

     "CREATE TABLE check_schedules ("
     "  n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
     "  created INTEGER NOT NULL, modified INTEGER NOT NULL,"
     "  organization TEXT NOT NULL REFERENCES organizations(id),"
     "  state TEXT, role TEXT, contacts TEXT, every_days INTEGER NOT NULL,"
     "  deadline_hours INTEGER NOT NULL, next_run INTEGER NOT NULL, last_run INTEGER,"
     "  deleted INTEGER);"
     "CREATE INDEX check_schedules_due ON check_schedules(next_run) WHERE deleted IS NULL;"

     "CREATE TABLE checks ("
     "  n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
     "  created INTEGER NOT NULL, modified INTEGER NOT NULL,"
     "  organization TEXT NOT NULL REFERENCES organizations(id),"
     "  schedule TEXT REFERENCES check_schedules(id),"
     "  deadline INTEGER NOT NULL, state TEXT, role TEXT);"
     "CREATE INDEX checks_created ON checks(created);"
     /* One row per invited contact. state and organization are copied at sending time so
      * that the statistics stay true when the directory changes later. */
     "CREATE TABLE check_targets ("
     "  check_n INTEGER NOT NULL REFERENCES checks(n),"
     "  contact TEXT NOT NULL, organization TEXT NOT NULL, state TEXT NOT NULL,"
     "  role TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,"
     "  sent INTEGER NOT NULL, answered INTEGER, late INTEGER NOT NULL DEFAULT 0, via TEXT,"
     "  PRIMARY KEY (check_n, contact)) WITHOUT ROWID;"
     "CREATE INDEX check_targets_contact ON check_targets(contact);"

     /* The audit chain: append-only (the triggers refuse edits through SQL; the hash
      * chain reveals edits made around them). */
     "CREATE TABLE audit ("
     "  seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor_key TEXT, actor_org TEXT,"
     "  action TEXT NOT NULL, object_type TEXT NOT NULL, object_id TEXT,"
     "  request_id TEXT, detail TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);"
     "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN"
     "  SELECT RAISE(ABORT, 'the audit chain is append-only');"
     "END;"
     "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN"
     "  SELECT RAISE(ABORT, 'the audit chain is append-only');"
     "END;"},

    {"requests between states: requests, links, signed entries, attachments, mail outbox",
     /* Columns in the order of kz_request_schema (model/request.c), then the
      * scheduler's own bookkeeping. */
     "CREATE TABLE requests ("
     "  n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, created INTEGER NOT NULL,"
     "  kind TEXT NOT NULL,"
     "  from_organization TEXT NOT NULL REFERENCES organizations(id), from_state TEXT NOT NULL,"
     "  from_contact TEXT,"
     "  to_organization TEXT NOT NULL REFERENCES organizations(id), to_state TEXT NOT NULL,"
     "  to_contact TEXT, urgency TEXT NOT NULL, tlp TEXT NOT NULL, subject TEXT NOT NULL,"
     "  description TEXT NOT NULL, norm TEXT,"
     "  sector TEXT, incident_class TEXT, impact TEXT, assistance_requested TEXT,"
     "  actions_taken TEXT, window_start INTEGER, window_end INTEGER,"
     "  activity TEXT, sources TEXT, evidence TEXT, action_requested TEXT, responsibility TEXT,"
     "  share_responsibility INTEGER NOT NULL DEFAULT 0,"
     "  authority TEXT, offence TEXT, facts TEXT, stored_data TEXT, data_relevance TEXT,"
     "  custodian TEXT, necessity TEXT, mla_intent INTEGER NOT NULL DEFAULT 0,"
     "  preservation_days INTEGER NOT NULL DEFAULT 0, questions TEXT,"
     "  modified INTEGER NOT NULL, status TEXT NOT NULL, sent_at INTEGER, responded_at INTEGER,"
     "  acknowledged_at INTEGER, answered_at INTEGER, closed_at INTEGER, ack_due INTEGER,"
     "  answer_due INTEGER, preserve_until INTEGER, escalation_level INTEGER NOT NULL DEFAULT 0,"
     "  escalation_role TEXT, entries INTEGER NOT NULL DEFAULT 0, head_hash TEXT,"
     "  next_escalation INTEGER, answer_warned INTEGER NOT NULL DEFAULT 0,"
     "  preserve_warned INTEGER NOT NULL DEFAULT 0);"
     "CREATE INDEX requests_from ON requests(from_organization, n);"
     "CREATE INDEX requests_to ON requests(to_organization, n);"
     "CREATE INDEX requests_escalation ON requests(next_escalation) WHERE next_escalation IS NOT NULL;"
     "CREATE INDEX requests_open ON requests(status, answer_due);"

     /* Linked incidents and indicators, by id: validated against their stores. */
     "CREATE TABLE request_links ("
     "  request_n INTEGER NOT NULL REFERENCES requests(n), type TEXT NOT NULL, ref TEXT NOT NULL,"
     "  pos INTEGER NOT NULL, PRIMARY KEY (request_n, type, ref)) WITHOUT ROWID;"
     "CREATE INDEX request_links_ref ON request_links(type, ref);"

     /* The signed record: one entry per transition, message, escalation or warning.
      * body is the canonical JSON that was hashed and signed; append-only like the
      * audit chain. */
     "CREATE TABLE request_entries ("
     "  request_n INTEGER NOT NULL REFERENCES requests(n), seq INTEGER NOT NULL,"
     "  at INTEGER NOT NULL, actor_org TEXT, action TEXT NOT NULL, body TEXT NOT NULL,"
     "  hash TEXT NOT NULL, signature TEXT NOT NULL, PRIMARY KEY (request_n, seq)) WITHOUT ROWID;"
     "CREATE TRIGGER request_entries_no_update BEFORE UPDATE ON request_entries BEGIN"
     "  SELECT RAISE(ABORT, 'the request record is append-only');"
     "END;"
     "CREATE TRIGGER request_entries_no_delete BEFORE DELETE ON request_entries BEGIN"
     "  SELECT RAISE(ABORT, 'the request record is append-only');"
     "END;"

     "CREATE TABLE request_attachments ("
     "  n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
     "  request_n INTEGER NOT NULL REFERENCES requests(n), entry_seq INTEGER NOT NULL,"
     "  name TEXT NOT NULL, media_type TEXT NOT NULL, size INTEGER NOT NULL,"
     "  sha256 TEXT NOT NULL, content BLOB NOT NULL);"
     "CREATE INDEX request_attachments_request ON request_attachments(request_n, n);"

     /* Mail notices: written in the transaction of the change they report, delivered
      * by the scheduler; a notice is never lost and, but for a crash in the instant
      * between the SMTP server's acceptance and the commit, never sent twice. */
     "CREATE TABLE outbox ("
     "  n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, created INTEGER NOT NULL,"
     "  kind TEXT NOT NULL, request TEXT, check_id TEXT, contact TEXT, address TEXT,"
     "  language TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL,"
     "  status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt INTEGER NOT NULL,"
     "  last_error TEXT, sent_at INTEGER);"
     "CREATE INDEX outbox_due ON outbox(next_attempt) WHERE status = 'pending';"
     "CREATE INDEX outbox_request ON outbox(request, n);"},

    {"sharing: incidents, timeline, indicators, sightings; client organizations",
     /* AMBER "with clients" (service/core/tlp.h): the organizations that are clients of
      * the node's own organization. */
     "ALTER TABLE organizations ADD COLUMN client INTEGER NOT NULL DEFAULT 0;"

     /* Every shareable table ends with the same TLP columns (tlp, recipients,
      * allow_clients) next to its source column, which is what kz_visible() reads. */
     "CREATE TABLE incidents ("
     "  n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
     "  created INTEGER NOT NULL, modified INTEGER NOT NULL,"
     "  organization TEXT NOT NULL REFERENCES organizations(id),"
     "  title TEXT NOT NULL, description TEXT, rsit_class TEXT NOT NULL, rsit_type TEXT NOT NULL,"
     "  sector TEXT, states TEXT, impact TEXT, status TEXT NOT NULL, occurred INTEGER NOT NULL,"
     "  tlp TEXT NOT NULL, recipients TEXT, allow_clients INTEGER NOT NULL);"
     "CREATE INDEX incidents_occurred ON incidents(occurred);"
     "CREATE VIRTUAL TABLE incidents_fts USING fts5(title, description,"
     "  tokenize = 'unicode61 remove_diacritics 2');"
     "CREATE TRIGGER incidents_fts_ins AFTER INSERT ON incidents BEGIN"
     "  INSERT INTO incidents_fts(rowid, title, description) VALUES (new.n, new.title, new.description);"
     "END;"
     "CREATE TRIGGER incidents_fts_upd AFTER UPDATE OF title, description ON incidents BEGIN"
     "  DELETE FROM incidents_fts WHERE rowid = old.n;"
     "  INSERT INTO incidents_fts(rowid, title, description) VALUES (new.n, new.title, new.description);"
     "END;"

     "CREATE TABLE incident_timeline ("
     "  n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
     "  created INTEGER NOT NULL, modified INTEGER NOT NULL,"
     "  incident TEXT NOT NULL REFERENCES incidents(id), at INTEGER NOT NULL, kind TEXT NOT NULL,"
     "  organization TEXT NOT NULL, text TEXT NOT NULL);"
     "CREATE INDEX incident_timeline_incident ON incident_timeline(incident, at, n);"

     /* Deduplicated per (type, value, source); the unique index also serves lookups by
      * value (with type IN (...) so that SQLite uses it without a type). */
     "CREATE TABLE indicators ("
     "  n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
     "  created INTEGER NOT NULL, modified INTEGER NOT NULL,"
     "  type TEXT NOT NULL, value TEXT NOT NULL,"
     "  source TEXT NOT NULL REFERENCES organizations(id), registrable TEXT,"
     "  tlp TEXT NOT NULL, recipients TEXT, allow_clients INTEGER NOT NULL,"
     "  confidence INTEGER NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
     "  valid_until INTEGER, description TEXT,"
     "  UNIQUE (type, value, source));"
     "CREATE INDEX indicators_registrable ON indicators(registrable) WHERE registrable IS NOT NULL;"

     "CREATE TABLE indicator_incidents ("
     "  indicator TEXT NOT NULL REFERENCES indicators(id),"
     "  incident TEXT NOT NULL REFERENCES incidents(id),"
     "  PRIMARY KEY (indicator, incident)) WITHOUT ROWID;"
     "CREATE INDEX indicator_incidents_incident ON indicator_incidents(incident, indicator);"

     "CREATE TABLE sightings ("
     "  n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
     "  created INTEGER NOT NULL, modified INTEGER NOT NULL,"
     "  indicator TEXT NOT NULL REFERENCES indicators(id),"
     "  observer TEXT NOT NULL REFERENCES organizations(id),"
     "  count INTEGER NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
     "  tlp TEXT NOT NULL, recipients TEXT, allow_clients INTEGER NOT NULL,"
     "  UNIQUE (indicator, observer, first_seen, last_seen));"
     "CREATE INDEX sightings_observer ON sightings(observer, indicator);"},

    {"stix and taxii: kept objects, imported ids, status resources",
     /* STIX objects kept as they came, one row per version and source; shared under TLP
      * with the same columns as every shareable table. added is the TAXII date_added;
      * observables, which have no created or modified, are versioned by it. */
     "CREATE TABLE stix_objects ("
     "  n INTEGER PRIMARY KEY, id TEXT NOT NULL,"
     "  created INTEGER, modified INTEGER NOT NULL,"
     "  type TEXT NOT NULL, version TEXT NOT NULL, spec_version TEXT NOT NULL, added INTEGER NOT NULL,"
     "  source TEXT NOT NULL REFERENCES organizations(id),"
     "  tlp TEXT NOT NULL, recipients TEXT, allow_clients INTEGER NOT NULL, json TEXT NOT NULL,"
     "  UNIQUE (id, version, source));"
     "CREATE INDEX stix_objects_added ON stix_objects(added, n);"
     /* Where the STIX id of an imported object landed: an indicator, incident or
      * sighting of Kizuna, so that references in later objects and re-imports resolve. */
     "CREATE TABLE stix_refs ("
     "  stix_id TEXT PRIMARY KEY, kind TEXT NOT NULL, kz_id TEXT NOT NULL, version TEXT) WITHOUT ROWID;"
     "CREATE TABLE taxii_status ("
     "  n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, created INTEGER NOT NULL,"
     "  organization TEXT, body TEXT NOT NULL);"},

    {"telemetry matching: the victims behind sightings",
     /* One row per (observer, day, indicator, victim) the matcher saw. The victim is a
      * keyed hash (HMAC with the node secret) of the address or user name: distinct
      * victims can be counted over any period without keeping who they are. Rows stay
      * with the observing organization (kz_visible as RED from that source). */
     "CREATE TABLE match_victims ("
     "  observer TEXT NOT NULL REFERENCES organizations(id),"
     "  day INTEGER NOT NULL,"
     "  indicator TEXT NOT NULL REFERENCES indicators(id),"
     "  victim BLOB NOT NULL,"
     "  PRIMARY KEY (observer, day, indicator, victim)) WITHOUT ROWID;"},

    {"signed audit chain: each entry's ed25519 signature",
     /* sig: hex ed25519 signature by the node key of "kizuna-audit-1:<seq>:<hash>".
      * Entries written before this migration have none; the first signed entry after
      * them covers them through the chain (store_audit.c). The node's secrets leave
      * meta for the key file when the node is next opened (svc_node.c). */
     "ALTER TABLE audit ADD COLUMN sig TEXT;"},
};

enum { MIGRATIONS = (int)(sizeof migrations / sizeof *migrations) };

int kz__migration_count(void) { return MIGRATIONS; }

static int user_version(kz_db *db)
{
    sqlite3_stmt *s = NULL;
    int v = -1;
    if (sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return v;
}

static kz_rc apply(kz_db *db, int index, kz_err *err)
{
    char *msg = NULL;
    char bump[64];
    snprintf(bump, sizeof bump, "PRAGMA user_version = %d", index + 1);
    int rc = sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, &msg);
    /* another process opening the same old database may have applied it while this one
     * waited for the write lock: look again under the lock */
    bool done = rc == SQLITE_OK && user_version(db) > index;
    if (rc == SQLITE_OK && !done)
        rc = sqlite3_exec(db->h, migrations[index].sql, NULL, NULL, &msg);
    if (rc == SQLITE_OK && !done)
        rc = sqlite3_exec(db->h, bump, NULL, NULL, &msg);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db->h, "COMMIT", NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        kz_fail(err, KZ_ESTORE, "db", "migration %d (%s) failed: %s", index + 1,
                migrations[index].name, msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        kz_db_rollback(db);
        return KZ_ESTORE;
    }
    if (!done)
        kz_log(KZ_LOG_INFO, "store.migrated", KZ_I("version", index + 1), KZ_S("name", migrations[index].name));
    return KZ_OK;
}

kz_rc kz__migrate(kz_db *db, kz_err *err)
{
    int have = user_version(db);
    if (have < 0)
        return kz_fail(err, KZ_ECORRUPT, "db", "not a SQLite database: %s", sqlite3_errmsg(db->h));
    if (have > MIGRATIONS)
        return kz_fail(err, KZ_EVERSION, "db",
                       "the database has schema version %d but this kizuna knows only up to %d; "
                       "use a newer kizuna", have, MIGRATIONS);
    for (int i = have; i < MIGRATIONS; i++) {
        kz_rc rc = apply(db, i, err);
        if (rc)
            return rc;
    }
    return KZ_OK;
}
