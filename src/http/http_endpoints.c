/* The endpoint table: every endpoint of the API in one place. Order matters only where
 * two patterns could match the same path (the first wins). */
#include "http/handlers.h"
#include "http/router.h"

#define J KZ_ENDPOINT_JSON_BODY
#define C KZ_ENDPOINT_CACHE
#define B KZ_ENDPOINT_BULK_BODY
#define R KZ_ENDPOINT_RAW_BODY
#define NS KZ_ENDPOINT_NO_SESSION
#define V1 "/api/v1"

const kz_endpoint kz_endpoints[] = {
    {"GET", V1 "/health", kz_h_health, 0, "liveness and version; no key needed"},
    {"GET", V1 "/node", kz_h_node, 0, "this node's organization and versions"},
    {"GET", V1 "/states", kz_h_states, 0, "ISO 3166-1 states (reference data)"},
    {"GET", V1 "/states/{code}", kz_h_state_get, 0, "one state"},

    {"POST", V1 "/organizations", kz_h_org_create, J, "create an organization (admin)"},
    {"GET", V1 "/organizations", kz_h_org_list, C, "list organizations: state, kind, q"},
    {"GET", V1 "/organizations/{id}", kz_h_org_get, 0, "one organization"},
    {"PATCH", V1 "/organizations/{id}", kz_h_org_update, J, "change an organization (admin)"},
    {"DELETE", V1 "/organizations/{id}", kz_h_org_delete, 0, "delete an organization without contacts or keys (admin)"},

    {"POST", V1 "/peers", kz_h_peer_add, J, "add a peer node by its URL and pinned key fingerprint (admin)"},
    {"GET", V1 "/peers", kz_h_peer_list, 0, "the peer nodes: state, last exchange, waiting changes, refusals (admin)"},
    {"GET", V1 "/peers/{id}", kz_h_peer_get, 0, "one peer node (admin)"},
    {"DELETE", V1 "/peers/{id}", kz_h_peer_delete, 0, "remove a peer; what it sent stays, read-only (admin)"},
    {"POST", V1 "/peers/{id}/{action}", kz_h_peer_action, 0, "pause, resume, or sync now: pull what waits at the peer (admin)"},

    {"POST", V1 "/keys", kz_h_key_create, J, "create an API key; the secret is in this reply only (admin)"},
    {"GET", V1 "/keys", kz_h_key_list, 0, "list keys without secrets: organization (admin)"},
    {"GET", V1 "/keys/{id}", kz_h_key_get, 0, "one key (admin)"},
    {"DELETE", V1 "/keys/{id}", kz_h_key_revoke, 0, "revoke a key (admin)"},

    {"POST", V1 "/contacts", kz_h_contact_create, J, "create a contact (analyst of its organization, admin)"},
    {"GET", V1 "/contacts", kz_h_contact_list, C, "list contacts: state, role, organization, q"},
    {"GET", V1 "/contacts/{id}", kz_h_contact_get, 0, "one contact"},
    {"PATCH", V1 "/contacts/{id}", kz_h_contact_update, J, "change a contact (analyst of its organization, admin)"},
    {"DELETE", V1 "/contacts/{id}", kz_h_contact_delete, 0, "delete a contact (analyst of its organization, admin)"},

    {"POST", V1 "/checks", kz_h_check_create, J, "start a communication check (analyst, admin)"},
    {"GET", V1 "/checks", kz_h_check_list, 0, "list checks"},
    {"GET", V1 "/checks/answer/{token}", kz_h_check_answer_page, 0, "the page a mailed answer link opens (changes nothing)"},
    {"POST", V1 "/checks/answer/{token}", kz_h_check_answer, NS, "answer an invitation; no key needed (a form post gets a page)"},
    {"GET", V1 "/checks/{id}", kz_h_check_get, 0, "a check with each invitation's state"},
    {"POST", V1 "/checks/{id}/acknowledge", kz_h_check_acknowledge, J, "answer for a contact of the caller's organization"},
    {"GET", V1 "/stats/checks", kz_h_check_stats, 0, "answer rate, median and p90 time per state: since"},
    {"POST", V1 "/check-schedules", kz_h_schedule_create, J, "repeat a check every n days (analyst, admin)"},
    {"GET", V1 "/check-schedules", kz_h_schedule_list, 0, "list check schedules"},
    {"GET", V1 "/check-schedules/{id}", kz_h_schedule_get, 0, "one check schedule"},
    {"DELETE", V1 "/check-schedules/{id}", kz_h_schedule_delete, 0, "stop a check schedule (its organization, admin)"},

    {"GET", V1 "/request-kinds", kz_h_request_kinds, 0, "request kinds as form templates, urgencies with deadlines, norms, the workflow"},
    {"POST", V1 "/requests", kz_h_request_create, J, "create a draft request from the caller's organization (analyst, admin)"},
    {"GET", V1 "/requests", kz_h_request_list, 0, "list requests the caller may see: box, status, kind, urgency, overdue, state"},
    {"GET", V1 "/requests/{id}", kz_h_request_get, 0, "a request with its signed thread, attachments and the caller's moves"},
    {"PATCH", V1 "/requests/{id}", kz_h_request_update, J, "change a draft (its sender)"},
    {"POST", V1 "/requests/{id}/messages", kz_h_request_message, J, "add a message with attachments to the thread (either side)"},
    {"GET", V1 "/requests/{id}/record", kz_h_request_record, 0, "the signed record: format=json (default) or html"},
    {"GET", V1 "/requests/{id}/attachments/{att}", kz_h_request_attachment, 0, "download an attachment"},
    {"POST", V1 "/requests/{id}/{move}", kz_h_request_move, J, "send, acknowledge, start, answer, decline, withdraw or close, with an optional message"},

    {"GET", V1 "/stats/requests", kz_h_request_stats, 0, "per counterpart state: share acknowledged in time, median times to acknowledge and answer, open, overdue: box, since"},

    {"GET", V1 "/statement-vocabulary", kz_h_statement_vocabulary, 0, "the confidence yardstick, the bases and the moves of statements"},
    {"POST", V1 "/statements", kz_h_statement_create, J, "draft a public attribution statement from the caller's organization (analyst, admin)"},
    {"GET", V1 "/statements", kz_h_statement_list, 0, "statements the caller may see (embargoed ones only by their issuers): status, norm, organization, q"},
    {"GET", V1 "/statements/{id}", kz_h_statement_get, 0, "one statement with its issuers and signatures"},
    {"PATCH", V1 "/statements/{id}", kz_h_statement_update, J, "change a draft, circulating or approved statement: a new version, earlier approvals void (its drafter)"},
    {"GET", V1 "/statements/{id}/export", kz_h_statement_export, 0, "the statement with every version and signature, for kizuna statement verify"},
    {"GET", V1 "/statements/{id}/stix", kz_h_statement_stix, 0, "the statement as a STIX 2.1 bundle"},
    {"POST", V1 "/statements/{id}/{move}", kz_h_statement_move, J, "circulate, approve, schedule, publish, correct or withdraw"},
    {"GET", V1 "/stats/statements", kz_h_statement_stats, 0, "visible statements counted by status"},
    {"GET", "/feeds/statements.json", kz_h_feed_statements_json, 0, "published statements as JSON Feed 1.1"},
    {"GET", "/feeds/statements.atom", kz_h_feed_statements_atom, 0, "published statements as Atom"},
    {"GET", V1 "/norms", kz_h_norm_list, 0, "the eleven norms of A/70/174 para. 13 with short titles (en, ja) and the 2021 guidance"},
    {"GET", V1 "/norms/{letter}", kz_h_norm_get, 0, "one norm with the requests, incidents and documents that link to it, counted per state and year"},
    {"POST", V1 "/documents", kz_h_document_create, J | B, "add a document to the policy library, with an optional stored copy (analyst, admin)"},
    {"GET", V1 "/documents", kz_h_document_list, 0, "latest versions the caller may see: q (EN and JA full text), state, type, status, topic, norm, tlp"},
    {"GET", V1 "/documents/compare", kz_h_document_compare, 0, "states side by side by topic or norm: states, topic|norm, format=json|csv"},
    {"GET", V1 "/documents/{id}", kz_h_document_get, 0, "a document, its latest version or version=N"},
    {"PATCH", V1 "/documents/{id}", kz_h_document_update, J | B, "write the next version of a document (its organization's analysts, admin)"},
    {"GET", V1 "/documents/{id}/versions", kz_h_document_versions, 0, "the versions of a document, oldest first"},
    {"GET", V1 "/documents/{id}/file", kz_h_document_file, 0, "the stored copy of the latest version or version=N"},
    {"POST", V1 "/surveys", kz_h_survey_create, J, "start the national survey of implementation; no answer is mandatory (analyst, admin)"},
    {"GET", V1 "/surveys", kz_h_survey_list, 0, "the caller's organization's surveys, latest versions"},
    {"GET", V1 "/surveys/{id}", kz_h_survey_get, 0, "a survey of the caller's organization, its latest version or version=N"},
    {"PATCH", V1 "/surveys/{id}", kz_h_survey_update, J, "save answers as the next version; drafts are kept (analyst, admin)"},
    {"GET", V1 "/surveys/{id}/versions", kz_h_survey_versions, 0, "every version of a survey, oldest first: the drafts kept (limit, cursor)"},
    {"GET", V1 "/surveys/{id}/print", kz_h_survey_print, 0, "the survey as a printable HTML page: version=N"},
    {"POST", V1 "/surveys/{id}/publish", kz_h_survey_publish, 0, "publish the latest version as a TLP:CLEAR library document (analyst, admin)"},

    {"GET", V1 "/settings", kz_h_settings_get, 0, "node settings with their values and defaults"},
    {"PATCH", V1 "/settings", kz_h_settings_update, J, "change node settings, null restores a default (admin)"},

    {"GET", V1 "/taxonomies", kz_h_taxonomies, 0, "RSIT classes and types, NIS2 sectors and impacts; no key needed"},
    {"POST", V1 "/tlp/audience", kz_h_audience_draft, J, "who will see this: the organizations the TLP policy lets see an object shared as tlp, recipients, allow_clients by organization (default the caller's), before it is saved"},
    {"POST", V1 "/incidents", kz_h_incident_create, J, "report an incident (analyst, admin)"},
    {"GET", V1 "/incidents", kz_h_incident_list, 0, "incidents the caller may see: rsit_class, rsit_type, sector, state, status, impact, organization, tlp, q, since, until"},
    {"GET", V1 "/incidents/export", kz_h_incident_export, 0, "the incidents the caller may see as a file: format (csv, json, stix) and the list's filters"},
    {"GET", V1 "/incidents/{id}", kz_h_incident_get, 0, "one incident with its timeline"},
    {"PATCH", V1 "/incidents/{id}", kz_h_incident_update, J, "change an incident (its organization's analysts, admin)"},
    {"POST", V1 "/incidents/{id}/timeline", kz_h_timeline_add, J, "add a note to an incident's timeline (analyst, admin)"},
    {"GET", V1 "/incidents/{id}/indicators", kz_h_incident_indicators, 0, "the indicators linked to an incident"},
    {"GET", V1 "/incidents/{id}/audience", kz_h_incident_audience, 0, "the organizations the TLP policy lets see an incident (as far as the caller is shown its recipients)"},
    {"POST", V1 "/incidents/{id}/statement", kz_h_statement_from_incident, J, "start a statement draft from an incident: its publishable indicators as the annex, the norms of the requests about it (analyst, admin)"},
    {"GET", V1 "/stats/incidents", kz_h_incident_stats, 0, "visible incidents counted by status, class, type, sector, impact and tlp"},

    {"POST", V1 "/indicators/bulk", kz_h_indicator_bulk, J | B, "up to 10,000 indicators, all or nothing (analyst, admin)"},
    {"POST", V1 "/indicators", kz_h_indicator_create, J, "share an indicator, merged per (type, value, source) (analyst, admin)"},
    {"GET", V1 "/indicators", kz_h_indicator_list, 0, "indicators the caller may see: q, type, tlp, source, incident, since, until, active"},
    {"POST", V1 "/indicators/import", kz_h_indicator_import, R | B, "import a CSV feed or STIX 2.1 bundle sent as the body, as kizuna import does: format, tlp, recipients, allow_clients, dry_run, name (analyst, admin)"},
    {"GET", V1 "/indicators/export", kz_h_indicator_export, 0, "the indicators the caller may see as a file: format (csv, json, stix) and the list's filters"},
    {"GET", V1 "/indicators/{id}", kz_h_indicator_get, 0, "one indicator"},
    {"PATCH", V1 "/indicators/{id}", kz_h_indicator_update, J, "change an indicator (its source's analysts, admin)"},
    {"GET", V1 "/indicators/{id}/audience", kz_h_indicator_audience, 0, "the organizations the TLP policy lets see an indicator (as far as the caller is shown its recipients)"},
    {"GET", V1 "/indicators/{id}/sightings", kz_h_indicator_sightings, 0, "sightings of an indicator summed per observer: since, until"},
    {"GET", V1 "/stats/indicators", kz_h_indicator_stats, 0, "visible indicators counted by type and tlp"},
    {"GET", V1 "/stats/victims", kz_h_victim_stats, 0, "distinct victims of matched indicators: period, by, since, until, format"},
    {"POST", V1 "/sightings", kz_h_sighting_create, J, "report that an indicator was seen (analyst, admin)"},
    {"GET", V1 "/sightings", kz_h_sighting_list, 0, "sightings summed per indicator: observer, since, until"},

    {"POST", V1 "/session", kz_h_session_create, J | NS, "sign in to the web interface: email, password, totp; sets the session cookie"},
    {"GET", V1 "/session", kz_h_session_get, 0, "who is signed in, with the CSRF token of the session"},
    {"PATCH", V1 "/session", kz_h_session_update, J, "change one's own language and time_zone"},
    {"DELETE", V1 "/session", kz_h_session_delete, 0, "sign out"},
    {"POST", V1 "/session/password", kz_h_session_password, J, "change one's own password: current_password, password; other sessions end"},
    {"POST", V1 "/session/totp", kz_h_totp_begin, 0, "start enrolling a TOTP second factor: a new secret"},
    {"POST", V1 "/session/totp/confirm", kz_h_totp_confirm, J, "turn the second factor on with a code; answers 10 recovery codes"},
    {"POST", V1 "/password", kz_h_password_set, J | NS, "set a password from a one-time link: token, password"},
    {"POST", V1 "/users", kz_h_user_create, J, "create a user; answers the one-time link to set the password (admin)"},
    {"GET", V1 "/users", kz_h_user_list, 0, "list users: organization (admin)"},
    {"GET", V1 "/users/{id}", kz_h_user_get, 0, "one user (admin)"},
    {"PATCH", V1 "/users/{id}", kz_h_user_update, J, "change a user: name, organization, role, language, time_zone, disabled (admin)"},
    {"DELETE", V1 "/users/{id}", kz_h_user_delete, 0, "delete a user (admin)"},
    {"POST", V1 "/users/{id}/reset", kz_h_user_reset, 0, "forgotten password or lost second factor: clears both, answers a new link (admin)"},

    {"GET", V1 "/audit", kz_h_audit_list, 0, "the audit chain (admin)"},
    {"GET", V1 "/audit/verify", kz_h_audit_verify, 0, "verify the audit chain (admin)"},
    {"GET", V1 "/audit/head", kz_h_audit_head, 0, "the signed head of the audit chain, for a third party to keep (admin)"},
    {"POST", V1 "/test/clock", kz_h_test_clock, J, "move the clock (only with serve --test-clock; admin)"},

    /* node to node (http_federation.c): the credential is the RFC 9421 signature */
    {"POST", "/federation/v1/changes", kz_h_fed_changes, R | B | NS, "a signed pull of changes after a cursor (peers only)"},

    /* TAXII 2.1 (http_taxii.c): one API root, one collection per TLP label */
    {"GET", "/taxii2", kz_h_taxii_discovery, 0, "TAXII 2.1 discovery"},
    {"GET", "/taxii2/api", kz_h_taxii_root, 0, "TAXII API root"},
    {"GET", "/taxii2/api/collections", kz_h_taxii_collections, 0, "TAXII collections the caller may read (one per TLP label)"},
    {"GET", "/taxii2/api/collections/{id}", kz_h_taxii_collection, 0, "one TAXII collection"},
    {"GET", "/taxii2/api/collections/{id}/objects", kz_h_taxii_objects, 0, "objects: added_after, limit, next, match[id|type|version|spec_version]"},
    {"POST", "/taxii2/api/collections/{id}/objects", kz_h_taxii_add, R | B, "add an envelope of STIX objects; answers a status (analyst, admin)"},
    {"GET", "/taxii2/api/collections/{id}/objects/{oid}", kz_h_taxii_objects, 0, "one object (its versions: match[version])"},
    {"GET", "/taxii2/api/collections/{id}/objects/{oid}/versions", kz_h_taxii_versions, 0, "the versions of one object"},
    {"GET", "/taxii2/api/collections/{id}/manifest", kz_h_taxii_manifest, 0, "manifest: the same filters as objects"},
    {"GET", "/taxii2/api/status/{id}", kz_h_taxii_status, 0, "the status of an earlier POST (its organization)"},
    {0},
};
