/* MISP feeds (the format MISP instances publish and consume: manifest.json and one
 * <uuid>.json per event). Reading only: the manifest streamed entry by entry, each event
 * file read twice with the streaming scanner — once for the event (info, date, tags,
 * distribution, the creating organization), once for its attributes, those of its
 * objects included — so that an event of a million attributes is read in memory bounded
 * by its largest attribute. Also the mapping of MISP attribute types and of MISP TLP tags
 * and distribution levels to Kizuna's. */
#ifndef KZ_CODEC_MISP_H
#define KZ_CODEC_MISP_H

#include "codec/stix/stix.h"

#include <stdbool.h>
#include <stdint.h>

enum { KZ_MISP_ATTRIBUTE_MAX = 1 << 20 };  /* bytes of one attribute (or MISP object) */

typedef struct kz_misp_event {
    const char *uuid;
    const char *info;           /* the title */
    const char *orgc;           /* the creating organization's name, or NULL */
    kz_time date;               /* the event's date (midnight UTC) */
    kz_time timestamp;          /* last change; the version of the event */
    int distribution;           /* 0..5 as written, -1 when absent */
    int tlp;                    /* from its tlp: tags, -1 when none */
    const char *rsit_type;      /* from the first tag with an RSIT type (rsit:, ecsirt:,
                                 * circl:incident-classification), NULL when none */
    kz_strlist labels;          /* its other tags, as written (at most KZ_LABELS_MAX) */
    int threat_level;           /* threat_level_id: 1 high, 2 medium, 3 low, 4 undefined; 0 absent */
    int analysis;               /* 0 initial, 1 ongoing, 2 completed; -1 absent */
} kz_misp_event;

/* "high", "medium", "low", "undefined" for a threat_level_id; "initial", "ongoing",
 * "completed" for an analysis; NULL for anything else. */
const char *kz_misp_threat_level_name(int threat_level);
const char *kz_misp_analysis_name(int analysis);

typedef struct kz_misp_attribute {
    const char *uuid;
    const char *type;           /* MISP type: "ip-dst", "domain|ip", "sha256", ... */
    const char *category;
    const char *value;
    const char *comment;
    const char *object;         /* name of the MISP object holding it, or NULL */
    bool to_ids, deleted;
    int distribution;           /* 0..5, 5 = as the event, -1 when absent */
    int tlp;                    /* from its own tlp: tags, -1 when none */
    kz_strlist labels;          /* its other tags, as written */
    kz_time timestamp, first_seen, last_seen;
} kz_misp_attribute;

/* A MISP tag name as a TLP label ("tlp:white" and "tlp:clear" are CLEAR, "tlp:amber+strict"
 * ...), or -1. */
int kz_misp_tlp_tag(const char *tag);

/* The label a distribution level stands for: 0 (this organization only) AMBER+STRICT,
 * 1, 2 and 3 (community, connected communities, all) GREEN, 4 (a sharing group) AMBER;
 * -1 for 5 (inherit) and unknown levels. */
int kz_misp_distribution_tlp(int distribution);

/* The Kizuna indicator type of a MISP attribute type and the part of the value that is
 * the indicator ("filename|sha256" -> sha256 and the part after '|'; "ip-dst" ->
 * ipv4, ipv6 or cidr by the value). -1 when Kizuna has no such type. */
int kz_misp_ind_type(const char *misp_type, const char *value, kz_arena *a, const char **part);

/* The second indicator of a composite type whose both parts are indicators ("domain|ip"
 * -> the address after '|', its type ipv4 or ipv6), or -1 (every other type: the other
 * part, a file name or a port, is no indicator). */
int kz_misp_ind_type2(const char *misp_type, const char *value, const char **part);

/* A byte source that can start again from the beginning (for the two passes). */
typedef struct kz_misp_input {
    kz_byte_source src;
    kz_rc (*rewind)(void *ctx, kz_err *err);
} kz_misp_input;

/* Reads one event file: on_event once (before any attribute), then on_attribute for
 * each attribute with its position in the file (bad set when it cannot be decoded: the
 * callback decides). The strings of an attribute live until its callback returns. A non-OK return of a callback stops reading. KZ_EINVAL
 * with line and column for malformed JSON or a file that is not {"Event": {...}}. */
typedef struct kz_misp_sink {
    kz_rc (*on_event)(void *ctx, const kz_misp_event *ev);
    kz_rc (*on_attribute)(void *ctx, const kz_misp_attribute *at, const char *where, const kz_err *bad);
    void *ctx;
} kz_misp_sink;

kz_rc kz_misp_read_event(const kz_misp_input *in, const kz_misp_sink *sink, kz_err *err);

/* Reads manifest.json: fn(uuid, timestamp) for each event it lists, in order. */
typedef kz_rc (*kz_misp_manifest_fn)(void *ctx, const char *uuid, kz_time timestamp);
kz_rc kz_misp_read_manifest(const kz_byte_source *src, kz_misp_manifest_fn fn, void *ctx, kz_err *err);

#endif
