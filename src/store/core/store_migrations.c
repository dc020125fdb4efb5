/* The schema, as an ordered list of migrations. Never edit a migration that has
 * shipped: append a new one. Each runs in one transaction with user_version bumped. */
#include "store/core/migrations.h"

#include "store/core/store_internal.h"
#include "util/log.h"

#include <stdbool.h>
#include <stdio.h>

typedef struct migration {
    const char *name;
    const char *sql;
} migration;

/* A change of modified dates the row again (migration 7): the next tick of taxii_clock
 * (4 us), or modified in microseconds when later. */
#define DATE_ADDED_TRIGGER(table)                                                          \
    "CREATE TRIGGER " table "_date_added AFTER UPDATE OF modified ON " table " BEGIN"       \
    "  UPDATE taxii_clock SET us = max(us + 4, new.modified * 1000);"                       \
    "  UPDATE " table " SET date_added = (SELECT us FROM taxii_clock) WHERE n = new.n;"     \
    "END;"

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

    {"stix fidelity: the STIX text of imported native objects; strictly increasing date_added",
     /* A kept row may back a native object (kz_kind 'i' indicator, 'r' incident, 's'
      * sighting; kz_id): one row per version of an imported indicator, report, grouping
      * or sighting, its text as it came. It is shared as its native object is (the view
      * stix_shared below); replaces: its STIX id is the native object's own, so it is
      * served instead of Kizuna's rendering of it. created_by: its created_by_ref. */
     "ALTER TABLE stix_objects ADD COLUMN kz_kind TEXT;"
     "ALTER TABLE stix_objects ADD COLUMN kz_id TEXT;"
     "ALTER TABLE stix_objects ADD COLUMN replaces INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE stix_objects ADD COLUMN created_by TEXT;"
     "ALTER TABLE stix_objects ADD COLUMN kz_n INTEGER;"  /* the native object's row */
     "CREATE INDEX stix_objects_native ON stix_objects(kz_kind, kz_id) WHERE kz_kind IS NOT NULL;"
     /* TAXII date_added, in microseconds, strictly increasing over every shareable row
      * (so that a client paging by added_after misses nothing), ticks 4 us apart (room
      * just before each row for the identity and marking definition a collection
      * serves with its first object that refers to them). Rows inserted by one
      * transaction are dated when it commits, without being written again
      * (kz__stix_date_added): one taxii_epochs row per table says that the rows from
      * first_n on are dated base, base + 4, ... in row order (rows are never deleted,
      * so row numbers only grow); taxii_clock holds the last tick given and the last
      * row dated per table (*_n). A row whose modified changes is dated again, in
      * its date_added column (which wins over its epoch): incidents and sightings at
      * once (the triggers), indicators at commit. Existing rows
      * are dated in that column, in (time, table, row) order. */
     "CREATE TABLE taxii_epochs (t TEXT NOT NULL, first_n INTEGER NOT NULL, base INTEGER NOT NULL,"
     "  PRIMARY KEY (t, first_n)) WITHOUT ROWID;"
     "ALTER TABLE indicators ADD COLUMN date_added INTEGER;"
     "ALTER TABLE incidents ADD COLUMN date_added INTEGER;"
     "ALTER TABLE sightings ADD COLUMN date_added INTEGER;"
     "ALTER TABLE stix_objects ADD COLUMN date_added INTEGER;"
     "CREATE TEMP TABLE taxii_backfill AS"
     " WITH r(t, n, m) AS (SELECT 'i', n, modified FROM indicators UNION ALL SELECT 'r', n, modified FROM incidents"
     "  UNION ALL SELECT 's', n, modified FROM sightings UNION ALL SELECT 'x', n, added FROM stix_objects),"
     " k AS (SELECT t, n, m, row_number() OVER (ORDER BY m, t, n) AS rk FROM r)"
     " SELECT t, n, 4 * rk + max(m * 1000 - 4 * rk) OVER (ORDER BY m, t, n ROWS UNBOUNDED PRECEDING) AS us FROM k;"
     "UPDATE indicators SET date_added = b.us FROM taxii_backfill b WHERE b.t = 'i' AND b.n = indicators.n;"
     "UPDATE incidents SET date_added = b.us FROM taxii_backfill b WHERE b.t = 'r' AND b.n = incidents.n;"
     "UPDATE sightings SET date_added = b.us FROM taxii_backfill b WHERE b.t = 's' AND b.n = sightings.n;"
     "UPDATE stix_objects SET date_added = b.us FROM taxii_backfill b WHERE b.t = 'x' AND b.n = stix_objects.n;"
     "CREATE TABLE taxii_clock (one INTEGER PRIMARY KEY CHECK (one = 1), us INTEGER NOT NULL,"
     "  i_n INTEGER NOT NULL, r_n INTEGER NOT NULL, s_n INTEGER NOT NULL, x_n INTEGER NOT NULL);"
     "INSERT INTO taxii_clock VALUES (1, coalesce((SELECT max(us) FROM taxii_backfill), 0),"
     "  coalesce((SELECT max(n) FROM indicators), 0), coalesce((SELECT max(n) FROM incidents), 0),"
     "  coalesce((SELECT max(n) FROM sightings), 0), coalesce((SELECT max(n) FROM stix_objects), 0));"
     "DROP TABLE taxii_backfill;"
     /* indicators, written in bulk, are marked -1 by their writes instead (a trigger
      * costs each execution of the upsert), and dated at commit */
     "CREATE INDEX indicators_redate ON indicators(n) WHERE date_added = -1;"
     DATE_ADDED_TRIGGER("incidents")
     DATE_ADDED_TRIGGER("sightings")
     /* what a TAXII collection reads of every row, so that listing reads no text and
      * meets the native objects in their row order */
     "CREATE INDEX stix_objects_listing ON stix_objects(kz_n, kz_kind, id, modified, version, spec_version, type,"
     "  tlp, source, recipients, allow_clients, kz_id, replaces, created_by, date_added);"
     "CREATE VIEW stix_shared AS SELECT o.n, o.id, o.created, o.modified, o.type, o.version,"
     "  o.spec_version, o.added, coalesce(o.date_added, (SELECT e.base + 4 * (o.n - e.first_n)"
     "   FROM taxii_epochs e WHERE e.t = 'x' AND e.first_n <= o.n ORDER BY e.first_n DESC LIMIT 1)) AS date_added,"
     "  o.json, o.kz_kind, o.kz_id, o.replaces, o.created_by,"
     "  CASE o.kz_kind WHEN 'i' THEN i.tlp WHEN 'r' THEN r.tlp WHEN 's' THEN s.tlp ELSE o.tlp END AS tlp,"
     "  CASE o.kz_kind WHEN 'i' THEN i.source WHEN 'r' THEN r.organization WHEN 's' THEN s.observer"
     "   ELSE o.source END AS source,"
     "  CASE o.kz_kind WHEN 'i' THEN i.recipients WHEN 'r' THEN r.recipients WHEN 's' THEN s.recipients"
     "   ELSE o.recipients END AS recipients,"
     "  CASE o.kz_kind WHEN 'i' THEN i.allow_clients WHEN 'r' THEN r.allow_clients"
     "   WHEN 's' THEN s.allow_clients ELSE o.allow_clients END AS allow_clients"
     " FROM stix_objects o"
     " LEFT JOIN indicators i ON o.kz_kind = 'i' AND i.n = o.kz_n AND i.id = o.kz_id"
     " LEFT JOIN incidents r ON o.kz_kind = 'r' AND r.n = o.kz_n AND r.id = o.kz_id"
     " LEFT JOIN sightings s ON o.kz_kind = 's' AND s.n = o.kz_n AND s.id = o.kz_id"
     " WHERE o.kz_kind IS NULL OR coalesce(i.n, r.n, s.n) IS NOT NULL;"},

    {"user accounts: users, sessions, one-time links, recovery codes, failed sign-ins",
     /* People who sign in to the web interface; API keys stay for machines. Secrets are
      * stored as hashes only: Argon2id for passwords, BLAKE2b for random tokens. The
      * TOTP secret must be readable to check codes: it is sealed under a key derived
      * from the key file's (svc_sessions.c). */
     "CREATE TABLE users ("
     "  n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
     "  created INTEGER NOT NULL, modified INTEGER NOT NULL,"
     "  email TEXT NOT NULL UNIQUE COLLATE NOCASE, name TEXT NOT NULL,"
     "  organization TEXT NOT NULL REFERENCES organizations(id),"
     "  role TEXT NOT NULL, language TEXT NOT NULL, time_zone TEXT NOT NULL,"
     "  password_hash TEXT, totp_secret TEXT, totp_pending TEXT, totp_last_step INTEGER NOT NULL DEFAULT 0,"
     "  disabled INTEGER);"
     "CREATE INDEX users_org ON users(organization, n);"
     "CREATE TABLE user_sessions ("
     "  token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
     "  created INTEGER NOT NULL, last_seen INTEGER NOT NULL, expires INTEGER NOT NULL) WITHOUT ROWID;"
     "CREATE INDEX user_sessions_user ON user_sessions(user_id);"
     "CREATE TABLE user_links ("
     "  token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
     "  expires INTEGER NOT NULL) WITHOUT ROWID;"
     "CREATE INDEX user_links_user ON user_links(user_id);"
     "CREATE TABLE user_recovery_codes ("
     "  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE, code_hash TEXT NOT NULL,"
     "  PRIMARY KEY (user_id, code_hash)) WITHOUT ROWID;"
     /* subject: "account:<lower-case e-mail>" or "address:<client IP>" */
     "CREATE TABLE signin_failures ("
     "  subject TEXT PRIMARY KEY, failures INTEGER NOT NULL, last_failure INTEGER NOT NULL) WITHOUT ROWID;"},
    {"MISP feeds: context-only indicators (to_ids false), what each import saw, labels",
     /* context_only: shared to be read, never matched (svc_match_sources.c) */
     "ALTER TABLE indicators ADD COLUMN context_only INTEGER NOT NULL DEFAULT 0;"
     /* per importing organization and item (an event, a fetched file's URL): the event's
      * version imported last, the file's ETag and Last-Modified for conditional GETs */
     "CREATE TABLE feed_seen ("
     "  source TEXT NOT NULL REFERENCES organizations(id), item TEXT NOT NULL,"
     "  version TEXT, etag TEXT, last_modified TEXT,"
     "  PRIMARY KEY (source, item)) WITHOUT ROWID;"
     /* free tags: MISP's non-TLP tags, an event's threat level and analysis */
     "ALTER TABLE incidents ADD COLUMN labels TEXT;"
     "ALTER TABLE indicators ADD COLUMN labels TEXT;"},
    {"stix references: each text's object_marking_refs beside it, for TAXII to read without the text",
     /* a collection serves the kept marking definitions its texts name (store_stix.c) */
     "ALTER TABLE stix_objects ADD COLUMN marking_refs TEXT;"
     "UPDATE stix_objects SET marking_refs = json_extract(json, '$.object_marking_refs')"
     " WHERE instr(json, '\"object_marking_refs\"');"
     "DROP INDEX stix_objects_listing;"
     "CREATE INDEX stix_objects_listing ON stix_objects(kz_n, kz_kind, id, modified, version, spec_version, type,"
     "  tlp, source, recipients, allow_clients, kz_id, replaces, created_by, date_added, marking_refs);"},
    {"public attribution statements: statements, their versions, co-signers' signatures",
     /* content: the canonical JSON co-signers sign (codec/statements/statement.h); cosigners
      * newline-joined organization ids; versions and signatures are append-only */
     "CREATE TABLE statements ("
     "  n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, created INTEGER NOT NULL, modified INTEGER NOT NULL,"
     "  organization TEXT NOT NULL REFERENCES organizations(id), status TEXT NOT NULL,"
     "  version INTEGER NOT NULL, content TEXT NOT NULL, content_hash TEXT NOT NULL, title TEXT NOT NULL,"
     "  cosigners TEXT, publish_at INTEGER, supersedes TEXT, superseded_by TEXT,"
     "  withdrawn_at INTEGER, withdraw_reason TEXT, withdraw_signature TEXT);"
     "CREATE TABLE statement_versions ("
     "  statement TEXT NOT NULL REFERENCES statements(id), version INTEGER NOT NULL,"
     "  content TEXT NOT NULL, content_hash TEXT NOT NULL, created INTEGER NOT NULL,"
     "  PRIMARY KEY (statement, version)) WITHOUT ROWID;"
     "CREATE TABLE statement_signatures ("
     "  statement TEXT NOT NULL REFERENCES statements(id), organization TEXT NOT NULL,"
     "  version INTEGER NOT NULL, content_hash TEXT NOT NULL, signed_at INTEGER NOT NULL,"
     "  actor TEXT, signature TEXT NOT NULL,"
     "  PRIMARY KEY (statement, organization, version)) WITHOUT ROWID;"
     "CREATE TRIGGER statement_versions_append_only BEFORE UPDATE ON statement_versions"
     "  BEGIN SELECT RAISE(ABORT, 'statement versions are append-only'); END;"
     "CREATE TRIGGER statement_signatures_append_only BEFORE UPDATE ON statement_signatures"
     "  BEGIN SELECT RAISE(ABORT, 'statement signatures are append-only'); END;"},

    {"policy library: documents (one row per version), stored copies, trigram search, surveys",
     /* Columns in the order of kz_document_schema (model/law.c). A version is never
      * changed: a new one is a new row (id, version + 1); the triggers keep it so. */
     "CREATE TABLE documents ("
     "  n INTEGER PRIMARY KEY, id TEXT NOT NULL, version INTEGER NOT NULL,"
     "  created INTEGER NOT NULL, modified INTEGER NOT NULL,"
     "  organization TEXT NOT NULL REFERENCES organizations(id), state TEXT NOT NULL,"
     "  issuing_body TEXT, type TEXT NOT NULL, title TEXT NOT NULL, title_en TEXT, summary TEXT,"
     "  languages TEXT, translation TEXT NOT NULL, status TEXT NOT NULL, adopted TEXT, in_force TEXT,"
     "  review_due TEXT, source_url TEXT, citation TEXT, topics TEXT, norms TEXT, cbms TEXT,"
     "  sectors TEXT, amends TEXT, supersedes TEXT, implements TEXT, provenance TEXT NOT NULL,"
     "  text TEXT, file_name TEXT, file_type TEXT, file_size INTEGER NOT NULL DEFAULT 0,"
     "  sha256 TEXT, hash TEXT NOT NULL,"
     "  tlp TEXT NOT NULL, recipients TEXT, allow_clients INTEGER NOT NULL,"
     "  UNIQUE (id, version));"
     "CREATE INDEX documents_state ON documents(state, n);"
     "CREATE TRIGGER documents_no_update BEFORE UPDATE ON documents BEGIN"
     "  SELECT RAISE(ABORT, 'a document version is never changed: write a new version');"
     "END;"
     /* stored copies by content: versions that keep a file share its row */
     "CREATE TABLE document_files ("
     "  sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, content BLOB NOT NULL) WITHOUT ROWID;"
     /* trigram: finds a word inside a Japanese sentence, which unicode61 cannot segment */
     "CREATE VIRTUAL TABLE documents_fts USING fts5(title, title_en, summary, text,"
     "  tokenize = 'trigram');"
     "CREATE TRIGGER documents_fts_ins AFTER INSERT ON documents BEGIN"
     "  INSERT INTO documents_fts(rowid, title, title_en, summary, text)"
     "  VALUES (new.n, new.title, new.title_en, new.summary, new.text);"
     "END;"
     /* national surveys of implementation, versions as for documents (kz_survey_schema) */
     "CREATE TABLE surveys ("
     "  n INTEGER PRIMARY KEY, id TEXT NOT NULL, version INTEGER NOT NULL,"
     "  created INTEGER NOT NULL, modified INTEGER NOT NULL,"
     "  organization TEXT NOT NULL REFERENCES organizations(id), state TEXT, period TEXT,"
     "  international_law TEXT, norm_a TEXT, norm_b TEXT, norm_c TEXT, norm_d TEXT, norm_e TEXT,"
     "  norm_f TEXT, norm_g TEXT, norm_h TEXT, norm_i TEXT, norm_j TEXT, norm_k TEXT, cbms TEXT,"
     "  capacity_building TEXT, document TEXT, UNIQUE (id, version));"
     "CREATE INDEX surveys_organization ON surveys(organization, n);"
     "CREATE TRIGGER surveys_no_update BEFORE UPDATE ON surveys BEGIN"
     "  SELECT RAISE(ABORT, 'a survey version is never changed: write a new version');"
     "END;"},
    {"federation: peers by pinned key, seen nonces, the change log, origins of federated objects",
     /* a peer node, pinned by the SHA-256 fingerprint of its ed25519 key; cursor_in is
      * the last seq of its change log applied here, acked_out the last seq of ours it
      * acknowledged, peer_head its newest seq when last asked */
     "CREATE TABLE peers ("
     "  n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
     "  created INTEGER NOT NULL, modified INTEGER NOT NULL,"
     "  url TEXT NOT NULL UNIQUE, fingerprint TEXT NOT NULL UNIQUE, public_key TEXT NOT NULL,"
     "  node TEXT NOT NULL UNIQUE, name TEXT NOT NULL, state TEXT NOT NULL, status TEXT NOT NULL,"
     "  cursor_in INTEGER NOT NULL DEFAULT 0, acked_out INTEGER NOT NULL DEFAULT 0,"
     "  peer_head INTEGER NOT NULL DEFAULT 0, last_success INTEGER,"
     "  last_error TEXT, last_error_at INTEGER, refused INTEGER NOT NULL DEFAULT 0);"
     /* messages refused, in either direction, with the reason */
     "CREATE TABLE peer_refused ("
     "  n INTEGER PRIMARY KEY, peer TEXT NOT NULL, at INTEGER NOT NULL, direction TEXT NOT NULL,"
     "  reason TEXT NOT NULL, object TEXT);"
     "CREATE INDEX peer_refused_peer ON peer_refused(peer, n);"
     /* nonces seen from each peer, kept past the end of their signature's validity */
     "CREATE TABLE fed_nonces ("
     "  peer TEXT NOT NULL, nonce TEXT NOT NULL, expires INTEGER NOT NULL,"
     "  PRIMARY KEY (peer, nonce)) WITHOUT ROWID;"
     "CREATE INDEX fed_nonces_expires ON fed_nonces(expires);"
     /* objects that came from a peer: read-only here, never in this node's own log */
     "CREATE TABLE fed_origin ("
     "  kind TEXT NOT NULL, object TEXT NOT NULL, peer TEXT NOT NULL,"
     "  PRIMARY KEY (kind, object)) WITHOUT ROWID;"
     /* what each peer was sent, so that a tombstone goes only where the object went */
     "CREATE TABLE fed_sent ("
     "  peer TEXT NOT NULL, kind TEXT NOT NULL, object TEXT NOT NULL,"
     "  PRIMARY KEY (peer, kind, object)) WITHOUT ROWID;"
     /* this node's change log: every creation, update and deletion of its own
      * organizations, contacts, incidents and indicators, in commit order */
     "CREATE TABLE fed_log ("
     "  seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, object TEXT NOT NULL, op TEXT NOT NULL);"
     /* what a database had before federation enters the log as it stands */
     "INSERT INTO fed_log (kind, object, op) SELECT 'organization', id, 'upsert' FROM organizations ORDER BY n;"
     "INSERT INTO fed_log (kind, object, op) SELECT 'contact', id, 'upsert' FROM contacts ORDER BY n;"
     "INSERT INTO fed_log (kind, object, op) SELECT 'incident', id, 'upsert' FROM incidents ORDER BY n;"
     "INSERT INTO fed_log (kind, object, op) SELECT 'indicator', id, 'upsert' FROM indicators ORDER BY n;"
     "CREATE TRIGGER fed_log_organizations_insert AFTER INSERT ON organizations"
     "  WHEN NOT EXISTS (SELECT 1 FROM fed_origin WHERE kind = 'organization' AND object = new.id) BEGIN"
     "  INSERT INTO fed_log (kind, object, op) VALUES ('organization', new.id, 'upsert');"
     "END;"
     "CREATE TRIGGER fed_log_organizations_update AFTER UPDATE ON organizations"
     "  WHEN NOT EXISTS (SELECT 1 FROM fed_origin WHERE kind = 'organization' AND object = new.id) BEGIN"
     "  INSERT INTO fed_log (kind, object, op) VALUES ('organization', new.id, 'upsert');"
     "END;"
     "CREATE TRIGGER fed_log_organizations_delete AFTER DELETE ON organizations"
     "  WHEN NOT EXISTS (SELECT 1 FROM fed_origin WHERE kind = 'organization' AND object = old.id) BEGIN"
     "  INSERT INTO fed_log (kind, object, op) VALUES ('organization', old.id, 'delete');"
     "END;"
     "CREATE TRIGGER fed_log_contacts_insert AFTER INSERT ON contacts"
     "  WHEN NOT EXISTS (SELECT 1 FROM fed_origin WHERE kind = 'contact' AND object = new.id) BEGIN"
     "  INSERT INTO fed_log (kind, object, op) VALUES ('contact', new.id, 'upsert');"
     "END;"
     "CREATE TRIGGER fed_log_contacts_update AFTER UPDATE ON contacts"
     "  WHEN NOT EXISTS (SELECT 1 FROM fed_origin WHERE kind = 'contact' AND object = new.id) BEGIN"
     "  INSERT INTO fed_log (kind, object, op) VALUES ('contact', new.id, 'upsert');"
     "END;"
     "CREATE TRIGGER fed_log_contacts_delete AFTER DELETE ON contacts"
     "  WHEN NOT EXISTS (SELECT 1 FROM fed_origin WHERE kind = 'contact' AND object = old.id) BEGIN"
     "  INSERT INTO fed_log (kind, object, op) VALUES ('contact', old.id, 'delete');"
     "END;"
     "CREATE TRIGGER fed_log_incidents_insert AFTER INSERT ON incidents"
     "  WHEN NOT EXISTS (SELECT 1 FROM fed_origin WHERE kind = 'incident' AND object = new.id) BEGIN"
     "  INSERT INTO fed_log (kind, object, op) VALUES ('incident', new.id, 'upsert');"
     "END;"
     "CREATE TRIGGER fed_log_incidents_update AFTER UPDATE ON incidents"
     "  WHEN NOT EXISTS (SELECT 1 FROM fed_origin WHERE kind = 'incident' AND object = new.id) BEGIN"
     "  INSERT INTO fed_log (kind, object, op) VALUES ('incident', new.id, 'upsert');"
     "END;"
     "CREATE TRIGGER fed_log_incidents_delete AFTER DELETE ON incidents"
     "  WHEN NOT EXISTS (SELECT 1 FROM fed_origin WHERE kind = 'incident' AND object = old.id) BEGIN"
     "  INSERT INTO fed_log (kind, object, op) VALUES ('incident', old.id, 'delete');"
     "END;"
     "CREATE TRIGGER fed_log_indicators_insert AFTER INSERT ON indicators"
     "  WHEN NOT EXISTS (SELECT 1 FROM fed_origin WHERE kind = 'indicator' AND object = new.id) BEGIN"
     "  INSERT INTO fed_log (kind, object, op) VALUES ('indicator', new.id, 'upsert');"
     "END;"
     "CREATE TRIGGER fed_log_indicators_update AFTER UPDATE ON indicators"
     "  WHEN NOT EXISTS (SELECT 1 FROM fed_origin WHERE kind = 'indicator' AND object = new.id) BEGIN"
     "  INSERT INTO fed_log (kind, object, op) VALUES ('indicator', new.id, 'upsert');"
     "END;"
     "CREATE TRIGGER fed_log_indicators_delete AFTER DELETE ON indicators"
     "  WHEN NOT EXISTS (SELECT 1 FROM fed_origin WHERE kind = 'indicator' AND object = old.id) BEGIN"
     "  INSERT INTO fed_log (kind, object, op) VALUES ('indicator', old.id, 'delete');"
     "END;"},
    {"norms of incidents: the A/70/174 norms each incident concerns",
     /* norm is a letter a..k (model/law.h); the second index serves a norm's page */
     "CREATE TABLE incident_norms ("
     "  incident TEXT NOT NULL REFERENCES incidents(id), norm TEXT NOT NULL,"
     "  PRIMARY KEY (incident, norm)) WITHOUT ROWID;"
     "CREATE INDEX incident_norms_norm ON incident_norms(norm, incident);"},
    {"federation: sightings in the change log, changes waiting for what they refer to",
     /* this node's own sightings travel as its other objects do; requests enter the log
      * from the service, when an entry signed here is appended to a federated request */
     "INSERT INTO fed_log (kind, object, op) SELECT 'sighting', id, 'upsert' FROM sightings"
     "  WHERE id NOT IN (SELECT object FROM fed_origin WHERE kind = 'sighting') ORDER BY n;"
     "CREATE TRIGGER fed_log_sightings_insert AFTER INSERT ON sightings"
     "  WHEN NOT EXISTS (SELECT 1 FROM fed_origin WHERE kind = 'sighting' AND object = new.id) BEGIN"
     "  INSERT INTO fed_log (kind, object, op) VALUES ('sighting', new.id, 'upsert');"
     "END;"
     "CREATE TRIGGER fed_log_sightings_update AFTER UPDATE ON sightings"
     "  WHEN NOT EXISTS (SELECT 1 FROM fed_origin WHERE kind = 'sighting' AND object = new.id) BEGIN"
     "  INSERT INTO fed_log (kind, object, op) VALUES ('sighting', new.id, 'upsert');"
     "END;"
     "CREATE TRIGGER fed_log_sightings_delete AFTER DELETE ON sightings"
     "  WHEN NOT EXISTS (SELECT 1 FROM fed_origin WHERE kind = 'sighting' AND object = old.id) BEGIN"
     "  INSERT INTO fed_log (kind, object, op) VALUES ('sighting', old.id, 'delete');"
     "END;"
     /* a change from a peer that refers to an object not yet here (a sighting of an
      * indicator that has not arrived), kept as it came until that object arrives */
     "CREATE TABLE fed_pending ("
     "  kind TEXT NOT NULL, object TEXT NOT NULL, peer TEXT NOT NULL,"
     "  wait_kind TEXT NOT NULL, wait_object TEXT NOT NULL, change TEXT NOT NULL, at INTEGER NOT NULL,"
     "  PRIMARY KEY (kind, object)) WITHOUT ROWID;"
     "CREATE INDEX fed_pending_wait ON fed_pending(wait_kind, wait_object);"},
    {"federation keys: a peer's previous key during its rotation's overlap, this node's own"
     " replaced keys, and the rotation and revocation notices waiting for each peer",
     /* prev_*: the key the peer's rotation replaced, accepted until prev_until unless
      * revoked (prev_revoked, with its reason) */
     "ALTER TABLE peers ADD COLUMN prev_fingerprint TEXT;"
     "ALTER TABLE peers ADD COLUMN prev_public_key TEXT;"
     "ALTER TABLE peers ADD COLUMN prev_until INTEGER;"
     "ALTER TABLE peers ADD COLUMN prev_revoked INTEGER;"
     "ALTER TABLE peers ADD COLUMN prev_reason TEXT;"
     "ALTER TABLE peers ADD COLUMN rotated INTEGER;"
     "CREATE INDEX peers_prev_fingerprint ON peers(prev_fingerprint);"
     /* keys this node signed with before a rotation (public halves only) */
     "CREATE TABLE node_keys ("
     "  fingerprint TEXT PRIMARY KEY, public_key TEXT NOT NULL, replaced_by TEXT NOT NULL,"
     "  retired INTEGER NOT NULL, until INTEGER NOT NULL, revoked INTEGER, reason TEXT) WITHOUT ROWID;"
     /* a notice to a peer: its body as signed, delivered when the peer acknowledged it */
     "CREATE TABLE fed_key_notices ("
     "  n INTEGER PRIMARY KEY, peer TEXT NOT NULL, kind TEXT NOT NULL, fingerprint TEXT NOT NULL,"
     "  body TEXT NOT NULL, created INTEGER NOT NULL, delivered INTEGER, attempts INTEGER NOT NULL DEFAULT 0,"
     "  last_error TEXT);"
     "CREATE INDEX fed_key_notices_peer ON fed_key_notices(peer, n);"},

    {"table-top exercises: scenarios, runs, players, clock segments, injects, marks, notes",
     /* The exercise column marks what a run made (NULL: real work); kz_visible's sixth
      * argument hands it to the TLP policy, which shows such rows to the run's players
      * only. A run keeps the scenario's JSON as it was when the run was created. */
     "ALTER TABLE incidents ADD COLUMN exercise TEXT;"
     "ALTER TABLE indicators ADD COLUMN exercise TEXT;"
     "ALTER TABLE requests ADD COLUMN exercise TEXT;"
     "ALTER TABLE checks ADD COLUMN exercise TEXT;"
     "CREATE INDEX incidents_exercise ON incidents(exercise) WHERE exercise IS NOT NULL;"
     "CREATE INDEX indicators_exercise ON indicators(exercise) WHERE exercise IS NOT NULL;"
     "CREATE INDEX requests_exercise ON requests(exercise) WHERE exercise IS NOT NULL;"
     "CREATE TABLE scenarios ("
     "  n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, created INTEGER NOT NULL,"
     "  modified INTEGER NOT NULL, organization TEXT REFERENCES organizations(id),"
     "  title TEXT NOT NULL, body TEXT NOT NULL);"
     "CREATE TABLE exercises ("
     "  n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, created INTEGER NOT NULL,"
     "  modified INTEGER NOT NULL, scenario TEXT NOT NULL, title TEXT NOT NULL,"
     "  organization TEXT NOT NULL, status TEXT NOT NULL, speed INTEGER NOT NULL,"
     "  started_at INTEGER, finished_at INTEGER, body TEXT NOT NULL);"
     "CREATE TABLE exercise_players ("
     "  exercise TEXT NOT NULL REFERENCES exercises(id), role TEXT NOT NULL,"
     "  organization TEXT NOT NULL REFERENCES organizations(id), user TEXT,"
     "  made INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (exercise, role, organization));"
     "CREATE INDEX exercise_players_org ON exercise_players(organization);"
     "CREATE TABLE exercise_segments ("
     "  exercise TEXT NOT NULL REFERENCES exercises(id), seq INTEGER NOT NULL,"
     "  wall_from INTEGER NOT NULL, wall_to INTEGER, ex_from INTEGER NOT NULL,"
     "  speed INTEGER NOT NULL, PRIMARY KEY (exercise, seq));"
     "CREATE TABLE exercise_injects ("
     "  exercise TEXT NOT NULL REFERENCES exercises(id), n INTEGER NOT NULL,"
     "  delivered_at INTEGER NOT NULL, ex_at INTEGER NOT NULL, early INTEGER NOT NULL DEFAULT 0,"
     "  object_type TEXT, object_id TEXT, PRIMARY KEY (exercise, n));"
     "CREATE TABLE exercise_marks ("
     "  exercise TEXT NOT NULL REFERENCES exercises(id), expectation TEXT NOT NULL,"
     "  result TEXT NOT NULL, ex_at INTEGER NOT NULL, note TEXT, by_org TEXT, at INTEGER NOT NULL,"
     "  PRIMARY KEY (exercise, expectation));"
     "CREATE TABLE exercise_notes ("
     "  n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, exercise TEXT NOT NULL REFERENCES exercises(id),"
     "  created INTEGER NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL, owner TEXT, due INTEGER,"
     "  author TEXT);"
     "DROP VIEW stix_shared;"
     "CREATE VIEW stix_shared AS SELECT o.n, o.id, o.created, o.modified, o.type, o.version,"
     "  o.spec_version, o.added, coalesce(o.date_added, (SELECT e.base + 4 * (o.n - e.first_n)"
     "   FROM taxii_epochs e WHERE e.t = 'x' AND e.first_n <= o.n ORDER BY e.first_n DESC LIMIT 1)) AS date_added,"
     "  o.json, o.kz_kind, o.kz_id, o.replaces, o.created_by,"
     "  CASE o.kz_kind WHEN 'i' THEN i.tlp WHEN 'r' THEN r.tlp WHEN 's' THEN s.tlp ELSE o.tlp END AS tlp,"
     "  CASE o.kz_kind WHEN 'i' THEN i.source WHEN 'r' THEN r.organization WHEN 's' THEN s.observer"
     "   ELSE o.source END AS source,"
     "  CASE o.kz_kind WHEN 'i' THEN i.recipients WHEN 'r' THEN r.recipients WHEN 's' THEN s.recipients"
     "   ELSE o.recipients END AS recipients,"
     "  CASE o.kz_kind WHEN 'i' THEN i.allow_clients WHEN 'r' THEN r.allow_clients"
     "   WHEN 's' THEN s.allow_clients ELSE o.allow_clients END AS allow_clients,"
     "  CASE o.kz_kind WHEN 'i' THEN i.exercise WHEN 'r' THEN r.exercise END AS exercise"
     " FROM stix_objects o"
     " LEFT JOIN indicators i ON o.kz_kind = 'i' AND i.n = o.kz_n AND i.id = o.kz_id"
     " LEFT JOIN incidents r ON o.kz_kind = 'r' AND r.n = o.kz_n AND r.id = o.kz_id"
     " LEFT JOIN sightings s ON o.kz_kind = 's' AND s.n = o.kz_n AND s.id = o.kz_id"
     " WHERE o.kz_kind IS NULL OR coalesce(i.n, r.n, s.n) IS NOT NULL;"},
    {"federation delivery: retries with backoff, pokes through the peers' outbox, log compaction",
     /* failures: consecutive failed exchanges with the peer, next_attempt when the next
      * pull is due (backoff after a failure, the --peer-sync period after a success, now
      * after a poke); poke_*: the pokes this node owes the peer (its log's head past
      * poke_seq and past what the peer acknowledged), with their own backoff; poked:
      * when the peer last poked this node */
     "ALTER TABLE peers ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE peers ADD COLUMN next_attempt INTEGER;"
     "ALTER TABLE peers ADD COLUMN poke_seq INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE peers ADD COLUMN poke_failures INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE peers ADD COLUMN poke_next INTEGER;"
     "ALTER TABLE peers ADD COLUMN poke_error TEXT;"
     "ALTER TABLE peers ADD COLUMN poked INTEGER;"
     /* compaction looks for a later entry of the same object */
     "CREATE INDEX fed_log_object ON fed_log(kind, object, seq);"},
    {"requests between nodes: moves made at both nodes at once, reconciled",
     /* When both nodes moved a request before pulling the other's move, the recipient's
      * node moves its own entries after the fork aside (docs/FEDERATION.md): they stay
      * here, as they were signed, with what became of them. The record stays
      * append-only except for such a move, which a row of request_rebase allows inside
      * the transaction that makes it. */
     "CREATE TABLE request_superseded ("
     "  request_n INTEGER NOT NULL REFERENCES requests(n), seq INTEGER NOT NULL, at INTEGER NOT NULL,"
     "  actor_org TEXT, action TEXT NOT NULL, body TEXT NOT NULL, hash TEXT NOT NULL, signature TEXT NOT NULL,"
     "  superseded INTEGER NOT NULL, PRIMARY KEY (request_n, hash)) WITHOUT ROWID;"
     "CREATE TABLE request_rebase (request_n INTEGER PRIMARY KEY);"
     "DROP TRIGGER request_entries_no_delete;"
     "CREATE TRIGGER request_entries_no_delete BEFORE DELETE ON request_entries"
     "  WHEN NOT EXISTS (SELECT 1 FROM request_rebase WHERE request_n = old.request_n) BEGIN"
     "  SELECT RAISE(ABORT, 'the request record is append-only');"
     "END;"},
    {"exercises by organization: the runs an organization facilitates",
     /* read with its player rows on every authenticated request (kz_store_exercises_of_org) */
     "CREATE INDEX exercises_organization ON exercises(organization);"},
    {"federation over TLS: the CA a peer's certificate must chain to",
     /* PEM text; NULL: the system's CA store (docs/FEDERATION.md "Transport") */
     "ALTER TABLE peers ADD COLUMN ca TEXT;"},
    {"TAXII pages read in date_added order from their start: the dated rows by date, the epochs by base",
     /* A page of a collection reads the native rows from its cursor on, in date_added
      * order (store_stix.c taxii_sql): the rows dated by their epoch in row order, the
      * rows with a date of their own (changed since, or from before the epochs) through
      * these indexes; an epoch is found by its base. New rows carry no date of their
      * own, so a bulk import writes none of these indexes. */
     "CREATE INDEX indicators_dated ON indicators(date_added) WHERE date_added IS NOT NULL;"
     "CREATE INDEX incidents_dated ON incidents(date_added) WHERE date_added IS NOT NULL;"
     "CREATE INDEX sightings_dated ON sightings(date_added) WHERE date_added IS NOT NULL;"
     "CREATE INDEX taxii_epochs_base ON taxii_epochs(t, base);"},
    {"table-top exercises: sightings reported in a run",
     /* a player's sighting during a run is the run's (NULL: real work), as its other
      * objects are: kept out of sums, victim statistics, TAXII, exports and peers */
     "ALTER TABLE sightings ADD COLUMN exercise TEXT;"
     "CREATE INDEX sightings_exercise ON sightings(exercise) WHERE exercise IS NOT NULL;"
     "DROP VIEW stix_shared;"
     "CREATE VIEW stix_shared AS SELECT o.n, o.id, o.created, o.modified, o.type, o.version,"
     "  o.spec_version, o.added, coalesce(o.date_added, (SELECT e.base + 4 * (o.n - e.first_n)"
     "   FROM taxii_epochs e WHERE e.t = 'x' AND e.first_n <= o.n ORDER BY e.first_n DESC LIMIT 1)) AS date_added,"
     "  o.json, o.kz_kind, o.kz_id, o.replaces, o.created_by,"
     "  CASE o.kz_kind WHEN 'i' THEN i.tlp WHEN 'r' THEN r.tlp WHEN 's' THEN s.tlp ELSE o.tlp END AS tlp,"
     "  CASE o.kz_kind WHEN 'i' THEN i.source WHEN 'r' THEN r.organization WHEN 's' THEN s.observer"
     "   ELSE o.source END AS source,"
     "  CASE o.kz_kind WHEN 'i' THEN i.recipients WHEN 'r' THEN r.recipients WHEN 's' THEN s.recipients"
     "   ELSE o.recipients END AS recipients,"
     "  CASE o.kz_kind WHEN 'i' THEN i.allow_clients WHEN 'r' THEN r.allow_clients"
     "   WHEN 's' THEN s.allow_clients ELSE o.allow_clients END AS allow_clients,"
     "  CASE o.kz_kind WHEN 'i' THEN i.exercise WHEN 'r' THEN r.exercise WHEN 's' THEN s.exercise END AS exercise"
     " FROM stix_objects o"
     " LEFT JOIN indicators i ON o.kz_kind = 'i' AND i.n = o.kz_n AND i.id = o.kz_id"
     " LEFT JOIN incidents r ON o.kz_kind = 'r' AND r.n = o.kz_n AND r.id = o.kz_id"
     " LEFT JOIN sightings s ON o.kz_kind = 's' AND s.n = o.kz_n AND s.id = o.kz_id"
     " WHERE o.kz_kind IS NULL OR coalesce(i.n, r.n, s.n) IS NOT NULL;"},
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
        kz_log(KZ_LOG_ERROR, "store.migration", KZ_I("version", index + 1), KZ_I("code", rc),
               KZ_S("error", msg ? msg : sqlite3_errstr(rc)));
        sqlite3_free(msg);  /* SQLite's words go to the log only: err can reach a client */
        kz_fail(err, KZ_ESTORE, "db", "migration %d (%s) failed (the log says why)", index + 1,
                migrations[index].name);
        kz_db_rollback(db);
        return KZ_ESTORE;
    }
    if (!done)
        kz_log(KZ_LOG_INFO, "store.migrated", KZ_I("version", index + 1), KZ_S("name", migrations[index].name));
    return KZ_OK;
}

/* The database's schema version, refused when unreadable or newer than this binary. */
static kz_rc known_version(kz_db *db, int *have, kz_err *err)
{
    *have = user_version(db);
    if (*have < 0)
        return kz__sqlerr(db, SQLITE_NOTADB, err);
    if (*have > MIGRATIONS)
        return kz_fail(err, KZ_EVERSION, "db",
                       "the database has schema version %d but this kizuna knows only up to %d; "
                       "use a newer kizuna", *have, MIGRATIONS);
    return KZ_OK;
}

kz_rc kz__schema_current(kz_db *db, kz_err *err)
{
    int have;
    kz_rc rc = known_version(db, &have, err);
    if (!rc && have < MIGRATIONS)
        rc = kz_fail(err, KZ_EVERSION, "db",
                     "the database has schema version %d, older than this kizuna's %d, and is read here "
                     "without changing it: for a node's own database, start its server once (which brings "
                     "it up to date); for a backup, restore it to a new file first (kizuna restore), or "
                     "read it with the kizuna that wrote it", have, MIGRATIONS);
    return rc;
}

kz_rc kz__migrate(kz_db *db, kz_err *err)
{
    int have;
    kz_rc rc = known_version(db, &have, err);
    if (rc)
        return rc;
    for (int i = have; i < MIGRATIONS && !rc; i++)
        rc = apply(db, i, err);
    return rc;
}
