// Checks a request's signed record in the browser, as `kizuna request verify` does
// (src/codec/requests/codec_record.c): each entry's SHA-256 over its canonical JSON, its link to
// the entry before, its ed25519 signature by the node key, the signed seal, that the
// summary agrees with the signed entries and what they determine, and (version 2) the
// seal's digests of the summary and node objects. WebCrypto hashes and checks signatures.
// A request between nodes is signed by both: the sending organization's entries by the
// key that signed the first entry, the others by the key its send entry names (to_node),
// which must be this node's or a peer key the record names under this node's seal.
const GENESIS = "0".repeat(64);

/* One string as jansson writes it (JSON_COMPACT): only ", \ and control characters are
   escaped, \u00XX in upper case. */
function jstring(s) {
    let out = '"';
    for (const ch of s) {
        const c = ch.codePointAt(0);
        if (ch === '"' || ch === "\\") out += `\\${ch}`;
        else if (c === 8) out += "\\b";
        else if (c === 9) out += "\\t";
        else if (c === 10) out += "\\n";
        else if (c === 12) out += "\\f";
        else if (c === 13) out += "\\r";
        else if (c < 0x20) out += `\\u${c.toString(16).toUpperCase().padStart(4, "0")}`;
        else out += ch;
    }
    return `${out}"`;
}

/* The canonical text: keys sorted by byte order, no whitespace, integers only. */
export function canonical(v) {
    if (v === null) return "null";
    if (typeof v === "boolean") return v ? "true" : "false";
    if (typeof v === "number") {
        if (!Number.isInteger(v)) throw new Error("a real number in a signed entry");
        return String(v);
    }
    if (typeof v === "string") return jstring(v);
    if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
    const enc = new TextEncoder();
    const byBytes = (a, b) => {
        const x = enc.encode(a), y = enc.encode(b);
        for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
        return x.length - y.length;
    };
    return `{${Object.keys(v).sort(byBytes).map((k) => `${jstring(k)}:${canonical(v[k])}`).join(",")}}`;
}

const unhex = (h, n) => (typeof h === "string" && h.length === 2 * n && /^[0-9a-f]+$/i.test(h)
    ? Uint8Array.from(h.match(/../g), (b) => parseInt(b, 16)) : null);
const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");

function without(o, keys) {
    const c = { ...o };
    for (const k of keys) delete c[k];
    return c;
}

function equal(a, b) {
    return canonical(a ?? null) === canonical(b ?? null);
}

/* Summary fields the signed entries determine: [field, the first entry of action, its key]. */
const DERIVED = [["sent_at", "send", "at"], ["acknowledged_at", "acknowledge", "at"], ["answered_at", "answer", "at"],
    ["ack_due", "send", "ack_due"], ["answer_due", "send", "answer_due"], ["preserve_until", "acknowledge", "preserve_until"]];

function derivedAgree(req, entries) {
    for (const [field, action, key] of DERIVED) {
        if (!(field in req)) continue;
        const e = entries.find((x) => x.action === action);
        if (e && !(key in e)) continue;
        if (e ? !equal(req[field], e[key]) : req[field] !== null) return false;
    }
    const escalations = entries.filter((e) => e.action === "escalate" && typeof e.contact === "string").length;
    return !("escalation_level" in req) || req.escalation_level === escalations;
}

/* {ok: true, entries, status} or {ok: false, seq (0: the record as a whole), reason}.
   trustedKey: the node's public key (hex) from GET /node. */
export async function verifyRecord(doc, trustedKey) {
    const fail = (seq, reason) => ({ ok: false, seq, reason });
    if (!crypto.subtle) return fail(0, "unsupported");
    if (!doc || doc.format !== "kizuna-request-record" || ![1, 2].includes(doc.version) || !Array.isArray(doc.entries) || !doc.request)
        return fail(0, "format");
    if (!unhex(trustedKey, 32) || doc.node?.public_key !== trustedKey) return fail(0, "key");
    const hexes = [trustedKey, ...(Array.isArray(doc.node.peers) ? doc.node.peers.map((p) => p && p.public_key) : [])]
        .filter((h) => unhex(h, 32));
    const keys = await Promise.all(hexes.map((h) => crypto.subtle.importKey("raw", unhex(h, 32), { name: "Ed25519" }, false, ["verify"])));
    const key = keys[0];
    const enc = new TextEncoder();
    let head = GENESIS, status = null, content = null, sender = -1, recipient = -1;
    for (let i = 0; i < doc.entries.length; i++) {
        const e = doc.entries[i], seq = i + 1;
        const sig = unhex(e.signature, 64);
        if (!e.hash || !sig || e.seq !== seq || e.request !== doc.request.id) return fail(seq, "entry");
        if (e.prev !== head) return fail(seq, "link");
        const text = enc.encode(canonical(without(e, ["hash", "signature"])));
        if (hex(await crypto.subtle.digest("SHA-256", text)) !== e.hash) return fail(seq, "hash");
        for (let k = 0; sender < 0 && k < keys.length; k++) if (await crypto.subtle.verify("Ed25519", keys[k], sig, text)) sender = k;
        if (sender < 0) return fail(seq, "signature");
        const want = e.organization === doc.request.from_organization || recipient < 0 ? sender : recipient;
        if (!(await crypto.subtle.verify("Ed25519", keys[want], sig, text))) return fail(seq, "signature");
        if (typeof e.to_node === "string" && (recipient = hexes.indexOf(e.to_node)) < 0) return fail(seq, "key");
        if (e.to) status = e.to;
        if (e.content && typeof e.content === "object") content = e.content;
        head = e.hash;
    }
    const seal = doc.seal, sig = seal && unhex(seal.signature, 64);
    if (!sig || !(await crypto.subtle.verify("Ed25519", key, sig, enc.encode(canonical(without(seal, ["signature"]))))))
        return fail(0, "seal");
    if (seal.request !== doc.request.id || seal.entries !== doc.entries.length || seal.head !== head) return fail(0, "seal");
    if (!content || doc.request.status !== status) return fail(0, "summary");
    for (const [k, v] of Object.entries(content)) if (!equal(doc.request[k], v)) return fail(0, "summary");
    if (!derivedAgree(doc.request, doc.entries)) return fail(0, "summary");
    if (doc.version >= 2) {
        for (const [part, key] of [["request", "summary_sha256"], ["node", "node_sha256"]]) {
            const digest = hex(await crypto.subtle.digest("SHA-256", enc.encode(canonical(doc[part]))));
            if (seal[key] !== digest) return fail(0, part === "request" ? "summary" : "seal");
        }
    }
    return { ok: true, entries: doc.entries.length, status };
}
