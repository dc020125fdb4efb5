/* Every endpoint handler, grouped by resource; http_endpoints.c maps paths to them. */
#ifndef KZ_HTTP_HANDLERS_H
#define KZ_HTTP_HANDLERS_H

#include "http/req.h"
#include "http/server.h"
#include "model/federation.h"
#include "store/directory/users.h"

/* http_meta.c */
kz_rc kz_h_health(kz_req *r);
kz_rc kz_h_states(kz_req *r);
kz_rc kz_h_state_get(kz_req *r);
kz_rc kz_h_node(kz_req *r);
kz_rc kz_h_audit_list(kz_req *r);
kz_rc kz_h_audit_verify(kz_req *r);
kz_rc kz_h_audit_head(kz_req *r);
kz_rc kz_h_test_clock(kz_req *r);

/* table-top exercises (http_exercises.c) */
kz_rc kz_h_scenario_list(kz_req *r);
kz_rc kz_h_scenario_get(kz_req *r);
kz_rc kz_h_scenario_create(kz_req *r);
kz_rc kz_h_exercise_create(kz_req *r);
kz_rc kz_h_exercise_update(kz_req *r);
kz_rc kz_h_exercise_get(kz_req *r);
kz_rc kz_h_exercise_list(kz_req *r);
kz_rc kz_h_exercise_control(kz_req *r);
kz_rc kz_h_exercise_trigger(kz_req *r);
kz_rc kz_h_exercise_messages(kz_req *r);
kz_rc kz_h_exercise_news(kz_req *r);
kz_rc kz_h_exercise_mark(kz_req *r);
kz_rc kz_h_exercise_note(kz_req *r);
kz_rc kz_h_exercise_note_update(kz_req *r);
kz_rc kz_h_exercise_report(kz_req *r);

/* http_orgs.c */
kz_rc kz_h_org_create(kz_req *r);
kz_rc kz_h_org_get(kz_req *r);
kz_rc kz_h_org_update(kz_req *r);
kz_rc kz_h_org_delete(kz_req *r);
kz_rc kz_h_org_list(kz_req *r);

/* http_keys.c */
/* Replies 200 with o and its "origin": the peer node it came from, or null for this
 * node's own (http_federation.c). Takes o. */
kz_rc kz_reply_origin(kz_req *r, json_t *o, int kind, const char *id);
/* Sets "origin" of o as kz_reply_origin does; o stays the caller's either way. */
kz_rc kz_set_origin(kz_req *r, json_t *o, int kind, const char *id);
kz_rc kz_h_peer_add(kz_req *r);
kz_rc kz_h_peer_list(kz_req *r);
kz_rc kz_h_peer_get(kz_req *r);
kz_rc kz_h_peer_patch(kz_req *r);
kz_rc kz_h_peer_delete(kz_req *r);
kz_rc kz_h_peer_action(kz_req *r);
kz_rc kz_h_fed_changes(kz_req *r);
kz_rc kz_h_fed_keys(kz_req *r);
kz_rc kz_h_fed_poke(kz_req *r);
kz_rc kz_h_node_key(kz_req *r);
kz_rc kz_h_key_create(kz_req *r);
kz_rc kz_h_key_get(kz_req *r);
kz_rc kz_h_key_list(kz_req *r);
kz_rc kz_h_key_revoke(kz_req *r);

/* http_contacts.c */
kz_rc kz_h_contact_create(kz_req *r);
kz_rc kz_h_contact_get(kz_req *r);
kz_rc kz_h_contact_update(kz_req *r);
kz_rc kz_h_contact_delete(kz_req *r);
kz_rc kz_h_contact_list(kz_req *r);

/* http_checks.c */
kz_rc kz_h_check_create(kz_req *r);
kz_rc kz_h_check_get(kz_req *r);
kz_rc kz_h_check_list(kz_req *r);
kz_rc kz_h_check_answer(kz_req *r);
kz_rc kz_h_check_answer_page(kz_req *r);
kz_rc kz_h_check_acknowledge(kz_req *r);
kz_rc kz_h_check_stats(kz_req *r);
kz_rc kz_h_schedule_create(kz_req *r);
kz_rc kz_h_schedule_get(kz_req *r);
kz_rc kz_h_schedule_list(kz_req *r);
kz_rc kz_h_schedule_delete(kz_req *r);

/* http_statements.c */
kz_rc kz_h_statement_vocabulary(kz_req *r);
kz_rc kz_h_statement_create(kz_req *r);
kz_rc kz_h_statement_from_incident(kz_req *r);
kz_rc kz_h_statement_list(kz_req *r);
kz_rc kz_h_statement_get(kz_req *r);
kz_rc kz_h_statement_update(kz_req *r);
kz_rc kz_h_statement_move(kz_req *r);
kz_rc kz_h_statement_export(kz_req *r);
kz_rc kz_h_statement_stix(kz_req *r);
kz_rc kz_h_statement_stats(kz_req *r);
kz_rc kz_h_feed_statements_json(kz_req *r);
kz_rc kz_h_feed_statements_atom(kz_req *r);

/* http_requests.c */
kz_rc kz_h_request_kinds(kz_req *r);
kz_rc kz_h_request_create(kz_req *r);
kz_rc kz_h_request_list(kz_req *r);
kz_rc kz_h_request_get(kz_req *r);
kz_rc kz_h_request_update(kz_req *r);
kz_rc kz_h_request_move(kz_req *r);
kz_rc kz_h_request_message(kz_req *r);
kz_rc kz_h_request_attachment(kz_req *r);
kz_rc kz_h_request_record(kz_req *r);
kz_rc kz_h_request_stats(kz_req *r);

/* http_settings.c */
kz_rc kz_h_settings_get(kz_req *r);
kz_rc kz_h_settings_update(kz_req *r);

/* http_incidents.c */
kz_rc kz_h_incident_create(kz_req *r);
kz_rc kz_h_incident_get(kz_req *r);
kz_rc kz_h_incident_update(kz_req *r);
kz_rc kz_h_incident_list(kz_req *r);
kz_rc kz_h_incident_indicators(kz_req *r);
kz_rc kz_h_incident_audience(kz_req *r);
kz_rc kz_h_indicator_audience(kz_req *r);
kz_rc kz_h_audience_draft(kz_req *r);
kz_rc kz_h_incident_export(kz_req *r);
kz_rc kz_h_indicator_export(kz_req *r);
kz_rc kz_h_indicator_import(kz_req *r);
kz_rc kz_h_incident_stats(kz_req *r);
kz_rc kz_h_timeline_add(kz_req *r);
kz_rc kz_h_taxonomies(kz_req *r);

/* telemetry matching (http_victims.c) */
kz_rc kz_h_victim_stats(kz_req *r);

/* http_indicators.c */
kz_rc kz_h_indicator_create(kz_req *r);
kz_rc kz_h_indicator_bulk(kz_req *r);
kz_rc kz_h_indicator_get(kz_req *r);
kz_rc kz_h_indicator_update(kz_req *r);
kz_rc kz_h_indicator_list(kz_req *r);
kz_rc kz_h_indicator_stats(kz_req *r);
kz_rc kz_h_indicator_sightings(kz_req *r);
kz_rc kz_h_sighting_create(kz_req *r);
kz_rc kz_h_sighting_list(kz_req *r);

/* http_users.c: admins manage the users of the web interface */
kz_rc kz_h_user_create(kz_req *r);
kz_rc kz_h_user_get(kz_req *r);
kz_rc kz_h_user_list(kz_req *r);
kz_rc kz_h_user_update(kz_req *r);
kz_rc kz_h_user_delete(kz_req *r);
kz_rc kz_h_user_reset(kz_req *r);
/* A user as JSON (new reference, NULL on ENOMEM); never any secret. */
json_t *kz_user_json(const kz_user *u);

/* One member of a JSON body: a string into out, or (when boolean is set) true/false
 * into *boolean as 1/0; and whether it must be there. */
typedef struct kz_body_field {
    const char *name;
    const char **out;
    bool required;
    int *boolean;
} kz_body_field;
/* Reads the body's members into fields (strings in the body's memory); KZ_EINVAL naming
 * an unknown member, one of the wrong type, or a missing required one. */
kz_rc kz_req_body_strings(kz_req *r, const kz_body_field *fields, size_t n);

/* http_session.c: the web interface's sign-in and second factor */
kz_rc kz_h_session_create(kz_req *r);
kz_rc kz_h_session_get(kz_req *r);
kz_rc kz_h_session_update(kz_req *r);
kz_rc kz_h_session_delete(kz_req *r);
kz_rc kz_h_session_password(kz_req *r);
kz_rc kz_h_totp_begin(kz_req *r);
kz_rc kz_h_totp_confirm(kz_req *r);
kz_rc kz_h_password_set(kz_req *r);

/* http_taxii.c */
kz_rc kz_h_taxii_discovery(kz_req *r);
kz_rc kz_h_taxii_root(kz_req *r);
kz_rc kz_h_taxii_collections(kz_req *r);
kz_rc kz_h_taxii_collection(kz_req *r);
kz_rc kz_h_taxii_objects(kz_req *r);
kz_rc kz_h_taxii_add(kz_req *r);
kz_rc kz_h_taxii_manifest(kz_req *r);
kz_rc kz_h_taxii_versions(kz_req *r);
kz_rc kz_h_taxii_status(kz_req *r);
/* Turns the error reply of a request under /taxii2/ into a TAXII error message. */
void kz_taxii_fail(kz_req *r, kz_rc rc);

/* Norms and the policy library (http_law.c) */
kz_rc kz_h_norm_list(kz_req *r);
kz_rc kz_h_norm_get(kz_req *r);
kz_rc kz_h_document_create(kz_req *r);
kz_rc kz_h_document_list(kz_req *r);
kz_rc kz_h_document_compare(kz_req *r);
kz_rc kz_h_document_get(kz_req *r);
kz_rc kz_h_document_update(kz_req *r);
kz_rc kz_h_document_versions(kz_req *r);
kz_rc kz_h_document_file(kz_req *r);
kz_rc kz_h_survey_create(kz_req *r);
kz_rc kz_h_survey_list(kz_req *r);
kz_rc kz_h_survey_get(kz_req *r);
kz_rc kz_h_survey_update(kz_req *r);
kz_rc kz_h_survey_versions(kz_req *r);
kz_rc kz_h_survey_print(kz_req *r);
kz_rc kz_h_survey_publish(kz_req *r);

#endif
