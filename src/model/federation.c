/* Field tables and enums of federation (model/federation.h). */
#include "model/federation.h"

#include "model/validate.h"

#include <stddef.h>

#define F(st, nm, ty, fl, mx, en, ck) {#nm, ty, offsetof(st, nm), fl, mx, en, ck}
#define RO KZ_FF_READONLY

static const char *const status_values[] = {"active", "paused"};
const kz_enum kz_peer_status_enum = {"peer status", status_values, 2};

static const char *const kind_values[] = {"organization", "contact", "incident", "indicator", "sighting", "request", "check", "statement"};
const kz_enum kz_fed_kind_enum = {"object kind", kind_values, KZ_FED_KINDS};

static const char *const delivery_values[] = {"draft", "none", "waiting", "delivered"};
const kz_enum kz_fed_delivery_enum = {"delivery", delivery_values, 4};

static const kz_field peer_fields[] = {
    F(kz_peer, id, KZ_FT_STR, RO, 36, NULL, NULL),
    F(kz_peer, created, KZ_FT_TIME, RO, 0, NULL, NULL),
    F(kz_peer, modified, KZ_FT_TIME, RO, 0, NULL, NULL),
    F(kz_peer, url, KZ_FT_STR, KZ_FF_REQUIRED | KZ_FF_IMMUTABLE, 250, NULL, NULL),
    F(kz_peer, fingerprint, KZ_FT_STR, KZ_FF_REQUIRED | KZ_FF_IMMUTABLE, 64, NULL, NULL),
    F(kz_peer, public_key, KZ_FT_STR, RO, 64, NULL, NULL),
    F(kz_peer, node, KZ_FT_STR, RO, 36, NULL, NULL),
    F(kz_peer, name, KZ_FT_STR, RO, 200, NULL, NULL),
    F(kz_peer, state, KZ_FT_STR, RO, 2, NULL, NULL),
    F(kz_peer, status, KZ_FT_ENUM, RO, 0, &kz_peer_status_enum, NULL),
    F(kz_peer, cursor_in, KZ_FT_INT, RO, 0, NULL, NULL),
    F(kz_peer, acked_out, KZ_FT_INT, RO, 0, NULL, NULL),
    F(kz_peer, peer_head, KZ_FT_INT, RO, 0, NULL, NULL),
    F(kz_peer, last_success, KZ_FT_TIME, RO, 0, NULL, NULL),
    F(kz_peer, last_error, KZ_FT_TEXT, RO, 1000, NULL, NULL),
    F(kz_peer, last_error_at, KZ_FT_TIME, RO, 0, NULL, NULL),
    F(kz_peer, refused, KZ_FT_INT, RO, 0, NULL, NULL),
    F(kz_peer, prev_fingerprint, KZ_FT_STR, RO, 64, NULL, NULL),
    F(kz_peer, prev_public_key, KZ_FT_STR, RO, 64, NULL, NULL),
    F(kz_peer, prev_until, KZ_FT_TIME, RO, 0, NULL, NULL),
    F(kz_peer, prev_revoked, KZ_FT_TIME, RO, 0, NULL, NULL),
    F(kz_peer, prev_reason, KZ_FT_TEXT, RO, 500, NULL, NULL),
    F(kz_peer, rotated, KZ_FT_TIME, RO, 0, NULL, NULL),
    F(kz_peer, failures, KZ_FT_INT, RO, 0, NULL, NULL),
    F(kz_peer, next_attempt, KZ_FT_TIME, RO, 0, NULL, NULL),
    F(kz_peer, poke_seq, KZ_FT_INT, RO, 0, NULL, NULL),
    F(kz_peer, poke_failures, KZ_FT_INT, RO, 0, NULL, NULL),
    F(kz_peer, poke_next, KZ_FT_TIME, RO, 0, NULL, NULL),
    F(kz_peer, poke_error, KZ_FT_TEXT, RO, 1000, NULL, NULL),
    F(kz_peer, poked, KZ_FT_TIME, RO, 0, NULL, NULL),
    F(kz_peer, ca, KZ_FT_TEXT, RO, KZ_PEER_CA_MAX, NULL, NULL),
};
const kz_schema kz_peer_schema = {"peer", peer_fields, sizeof peer_fields / sizeof *peer_fields};
