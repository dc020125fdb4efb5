// Requests between states: inbox and outbox with the API's filters in the URL, the
// request page (fields, the moves the caller may make as buttons and nothing else, the
// signed thread with attachments, the record), and a new request built from the form of
// its kind as GET /request-kinds describes it, so a new kind needs no change here.
// Organizations of peer nodes are offered beside this node's, named with their node; a
// request to one shows which node holds its other side, how this node's moves reached
// it, and which moves of its thread arrived from there.
import { html, Component, createRef } from "../lib.js";
import { t, tv, formatTime, formatRelative } from "../i18n.js";
import { get, post, query } from "../api.js";
import { navigate, pick, withQuery } from "../router.js";
import { organizations, orgName } from "../orgs.js";
import { Heading, Field, FormError, focusError, formValues, options, Tlp, Pager, Loading, errorText } from "../ui.js";
import { ExerciseMark } from "../exercises.js";
import { TlpPicker } from "./tlp.js";
import { verifyRecord } from "../record.js";

const FILTERS = ["box", "status", "kind", "urgency", "overdue", "state", "cursor"];
const STATUSES = ["draft", "sent", "acknowledged", "in-progress", "answered", "closed", "declined", "withdrawn"];
const KINDS = ["assistance", "mitigation", "preservation", "information"];
const URGENCIES = ["critical", "high", "normal", "low"];

export class RequestList extends Component {
    constructor() {
        super();
        this.state = { page: null, error: null, orgs: null };
    }

    async componentDidMount() {
        const q = pick(this.props.query, FILTERS);
        try {
            const [page, orgs] = await Promise.all([get(`/requests${query({ ...q, limit: 50 })}`), organizations()]);
            this.setState({ page, orgs });
        } catch (error) {
            this.setState({ error });
        }
    }

    filter = (e) => {
        e.preventDefault();
        const v = formValues(e.target);
        const changes = { cursor: "" };
        for (const n of ["box", "status", "kind", "urgency", "overdue"]) changes[n] = v[n] || "";
        navigate(withQuery(changes));
    };

    render({ query: q }, { page, error, orgs }) {
        const box = q.get("box") || "";
        const title = box === "inbox" ? t("requests.inbox") : box === "outbox" ? t("requests.outbox") : t("requests.title");
        return html`
            <${Heading} text=${title} />
            <p><a class="button" href="/requests/new">${t("requests.new")}</a></p>
            <form class="filters" onSubmit=${this.filter} aria-label=${t("list.filters")}>
                <${Field} name="box" label=${t("requests.box")} value=${box}
                    options=${[{ value: "", label: t("requests.all") }, { value: "inbox", label: t("requests.inbox") }, { value: "outbox", label: t("requests.outbox") }]} />
                <${Field} name="status" label=${t("request.status")} value=${q.get("status")} options=${options("status", STATUSES, t("list.any"))} />
                <${Field} name="kind" label=${t("request.kind")} value=${q.get("kind")} options=${options("kind", KINDS, t("list.any"))} />
                <${Field} name="urgency" label=${t("request.urgency")} value=${q.get("urgency")} options=${options("urgency", URGENCIES, t("list.any"))} />
                <${Field} name="overdue" type="checkbox" label=${t("requests.only_overdue")} value=${q.get("overdue") === "true"} />
                <button type="submit">${t("list.apply")}</button>
            </form>
            ${error ? html`<p class="error" role="alert">${errorText(error)}</p>` : !page ? html`<${Loading} />` : page.items.length === 0
                ? html`<p>${t("list.empty")}</p>` : html`
            <table>
                <caption class="visually-hidden">${title}</caption>
                <thead><tr>
                    <th scope="col">${t("request.subject")}</th><th scope="col">${t("request.kind")}</th>
                    <th scope="col">${t("request.from")}</th><th scope="col">${t("request.to")}</th>
                    <th scope="col">${t("request.status")}</th><th scope="col">${t("request.urgency")}</th>
                    <th scope="col">${t("request.tlp")}</th><th scope="col">${t("request.deadline")}</th>
                </tr></thead>
                <tbody>${page.items.map((r) => html`<tr class=${r.overdue ? "overdue" : ""}>
                    <td><a href=${`/requests/${r.id}`}>${r.subject}</a>${r.exercise ? html`<${ExerciseMark} id=${r.exercise} />` : null}</td>
                    <td>${tv("kind", r.kind)}</td>
                    <td>${orgName(orgs, r.from_organization)} (${r.from_state})</td>
                    <td>${orgName(orgs, r.to_organization)} (${r.to_state})</td>
                    <td>${tv("status", r.status)}${r.overdue ? html` <strong>${t("request.overdue")}</strong>` : null}</td>
                    <td>${tv("urgency", r.urgency)}</td>
                    <td><${Tlp} tlp=${r.tlp} /></td>
                    <td>${deadline(r)}</td>
                </tr>`)}</tbody>
            </table>`}
            ${page ? html`<${Pager} next=${page.next} />` : null}`;
    }
}

function deadline(r) {
    const due = r.status === "sent" ? r.ack_due : ["acknowledged", "in-progress"].includes(r.status) ? r.answer_due : null;
    return due ? html`<time datetime=${due} title=${formatTime(due)}>${formatRelative(due)}</time>` : "";
}

/* Reads chosen files as attachments {name, media_type, content_base64}. */
async function attachments(input) {
    const files = input ? [...input.files] : [];
    return Promise.all(files.map((f) => new Promise((resolve, reject) => {
        const r = new FileReader();
        r.onload = () => resolve({ name: f.name, media_type: f.type || "application/octet-stream", content_base64: String(r.result).split(",")[1] || "" });
        r.onerror = () => reject(r.error);
        r.readAsDataURL(f);
    })));
}

const SHOWN = ["kind", "urgency", "tlp", "norm", "status", "sent_at", "ack_due", "answer_due", "acknowledged_at", "answered_at", "closed_at", "preserve_until"];
const TIMES = new Set(["sent_at", "ack_due", "answer_due", "acknowledged_at", "answered_at", "closed_at", "preserve_until", "window_start", "window_end"]);
const COMMON = new Set(["id", "created", "modified", "kind", "from_organization", "from_state", "from_contact", "to_organization", "to_state",
    "to_contact", "urgency", "tlp", "subject", "description", "norm", "incidents", "indicators", "status", "sent_at", "responded_at",
    "acknowledged_at", "answered_at", "closed_at", "ack_due", "answer_due", "preserve_until", "escalation_level", "escalation_role",
    "entries", "head_hash", "overdue", "exercise", "from_organization_name", "to_organization_name", "side", "moves", "thread", "attachments", "notices",
    "federation"]);

function showValue(name, v) {
    if (v === null || v === undefined || v === "") return "—";
    if (TIMES.has(name)) return formatTime(v);
    if (name === "tlp") return html`<${Tlp} tlp=${v} />`;
    if (name === "norm" && /^[a-k]$/.test(v)) return html`<a href=${`/norms/${v}`}>${t("norms.letter", { letter: v })}</a>`;
    if (["kind", "urgency", "status"].includes(name)) return tv(name, v);
    if (Array.isArray(v)) return v.join(", ");
    if (typeof v === "boolean") return v ? t("common.yes") : t("common.no");
    return String(v);
}

/* A request between nodes: the node that holds its other side, and how this node's
   moves reached it (GET /requests/{id} federation). */
function Federation({ f }) {
    if (!f) return null;
    return html`<section aria-labelledby="h-federation">
        <h2 id="h-federation">${t("request.federation")}</h2>
        <p>${t("request.federation_text", { side: tv("side", f.side), name: f.name, state: f.state })}</p>
        ${f.peer_status === "paused" ? html`<p class="error" role="alert">${t("request.fed_paused")}</p>` : null}
        <dl class="facts">
            <dt>${t("request.fed_node")}</dt><dd>${f.name} (${f.state})</dd>
            <dt>${t("request.fed_side")}</dt><dd>${tv("side", f.side)}</dd>
            <dt>${t("request.fed_delivery")}</dt><dd>${tv("delivery", f.delivery)}</dd>
            <dt>${t("request.fed_last_exchange")}</dt><dd>${f.last_exchange ? formatTime(f.last_exchange) : t("peers.never")}</dd>
        </dl>
    </section>`;
}

/* Whether a thread entry was made on the other node: by the side it hosts, or by that
   node itself (its scheduler's escalations). */
function fromPeer(r, e) {
    const f = r.federation;
    if (!f) return false;
    return e.organization === (f.side === "recipient" ? r.to_organization : r.from_organization) || e.organization === f.node;
}

export class RequestPage extends Component {
    constructor() {
        super();
        this.state = { r: null, error: null, actionError: null, busy: false, notice: null, verified: null };
        this.form = createRef();
        this.status = createRef();
        this.verifiedRef = createRef();
    }

    /* Fetches the signed record and checks it here, against the node's key. */
    verify = async () => {
        let verified;
        try {
            const [doc, node] = await Promise.all([get(`/requests/${this.state.r.id}/record?format=json`), get("/node")]);
            const v = await verifyRecord(doc, node.signing_key.public_key);
            verified = v.ok ? { ok: true, text: t("record.intact", { entries: v.entries, status: tv("status", v.status) }) }
                : { ok: false, text: v.seq ? t("record.bad_entry", { seq: v.seq, reason: t(`record.reason.${v.reason}`) })
                    : t("record.bad", { reason: t(`record.reason.${v.reason}`) }) };
        } catch (err) {
            verified = { ok: false, text: errorText(err) };
        }
        this.setState({ verified });
        this.verifiedRef.current && this.verifiedRef.current.focus();
    };

    componentDidMount() {
        this.load();
    }

    async load() {
        try {
            this.setState({ r: await get(`/requests/${encodeURIComponent(this.props.params.id)}`) });
        } catch (error) {
            this.setState({ error });
        }
    }

    async act(path, noticeKey) {
        const form = this.form.current;
        const v = formValues(form);
        const body = {};
        if (v.message) body.message = v.message;
        this.setState({ busy: true, actionError: null });
        try {
            const files = await attachments(form.querySelector("input[type=file]"));
            if (files.length) body.attachments = files;
            await post(`/requests/${this.state.r.id}/${path}`, body);
            form.reset();
            await this.load();
            this.setState({ busy: false, notice: t(noticeKey) });
            this.status.current && this.status.current.focus();
        } catch (err) {
            this.setState({ busy: false, actionError: err });
            focusError(form, err);
        }
    }

    render(_, { r, error, actionError, busy, notice, verified }) {
        if (error) return html`<${Heading} text=${t("request.title")} /><p class="error" role="alert">${errorText(error)}</p>`;
        if (!r) return html`<${Loading} />`;
        const extra = Object.keys(r).filter((k) => !COMMON.has(k));
        const open = !["draft", "closed", "declined", "withdrawn"].includes(r.status);
        return html`
            <${Heading} text=${r.subject} />
            ${r.exercise ? html`<${ExerciseMark} id=${r.exercise} block=${true} />` : null}
            <p>${t("request.between", { from: r.from_organization_name || r.from_organization, to: r.to_organization_name || r.to_organization })}
                ${" "}<${Tlp} tlp=${r.tlp} />${r.overdue ? html` <strong>${t("request.overdue")}</strong>` : null}</p>
            <p class="status" role="status" tabindex="-1" ref=${this.status}>${notice || ""}</p>
            <section aria-labelledby="h-details">
                <h2 id="h-details">${t("request.details")}</h2>
                <dl class="facts">
                    ${SHOWN.map((k) => html`<dt>${t(`request.${k}`)}</dt><dd>${showValue(k, r[k])}</dd>`)}
                    ${extra.map((k) => html`<dt>${tv("reqfield", k)}</dt><dd>${showValue(k, r[k])}</dd>`)}
                </dl>
                <h3>${t("request.description")}</h3>
                <p class="text">${r.description}</p>
            </section>
            <${Federation} f=${r.federation} />
            <section aria-labelledby="h-act">
                <h2 id="h-act">${t("request.act")}</h2>
                <form ref=${this.form} onSubmit=${(e) => e.preventDefault()}>
                    <${Field} name="message" type="textarea" label=${t("request.message")} error=${actionError} hint=${t("request.message_hint")} />
                    <div class="field"><label for="f-files">${t("request.attach")}</label>
                        <input id="f-files" type="file" multiple name="files" /></div>
                    <${FormError} error=${actionError} fields=${["message"]} />
                    <div class="moves">
                        ${r.moves.map((m) => html`<button type="button" disabled=${busy} onClick=${() => this.act(m, "request.moved")}>${tv("move", m)}</button>`)}
                        ${open && r.side !== "none" ? html`<button type="button" disabled=${busy} onClick=${() => this.act("messages", "request.sent_message")}>${t("request.add_message")}</button>` : null}
                    </div>
                    ${r.moves.length === 0 && !(open && r.side !== "none") ? html`<p>${t("request.no_moves")}</p>` : null}
                </form>
            </section>
            <section aria-labelledby="h-thread">
                <h2 id="h-thread">${t("request.thread")}</h2>
                <ol class="thread">${r.thread.map((e) => html`<li>
                    <p><strong>${tv("action", e.action)}</strong>${e.to ? ` → ${tv("status", e.to)}` : ""}
                        ${" "}<time datetime=${e.at}>${formatTime(e.at)}</time>
                        ${" "}${e.organization === r.from_organization ? r.from_organization_name : e.organization === r.to_organization ? r.to_organization_name : ""}
                        ${fromPeer(r, e) ? html` <em class="arrived">${t("request.arrived_from", { name: r.federation.name })}</em>` : null}</p>
                    ${e.message ? html`<p class="text">${e.message}</p>` : null}
                    ${(e.attachments || []).length ? html`<ul>${e.attachments.map((a) => html`<li>
                        <a href=${`/api/v1/requests/${r.id}/attachments/${a.id}`} download=${a.name}>${a.name}</a> (${t("request.bytes", { n: a.size })})</li>`)}</ul>` : null}
                </li>`)}</ol>
            </section>
            <section aria-labelledby="h-record">
                <h2 id="h-record">${t("request.record")}</h2>
                <p>${t("request.record_text", { entries: r.entries })}</p>
                <ul>
                    <li><a href=${`/api/v1/requests/${r.id}/record?format=json`} download=${`request-${r.id}.json`}>${t("request.record_json")}</a></li>
                    <li><a href=${`/api/v1/requests/${r.id}/record?format=html`} target="_blank" rel="noopener">${t("request.record_html")}</a></li>
                </ul>
                <p><button type="button" onClick=${this.verify}>${t("record.verify")}</button></p>
                <p role="status" tabindex="-1" ref=${this.verifiedRef} class=${verified ? (verified.ok ? "ok" : "error") : ""}>${verified ? verified.text : ""}</p>
            </section>`;
    }
}

function kindField(f, error) {
    const label = tv("reqfield", f.name);
    const hint = f.help;
    const common = { name: f.name, label, required: f.required, error, hint };
    if (f.type === "enum") return html`<${Field} ...${common} options=${[{ value: "", label: t("list.choose") }, ...f.values.map((v) => ({ value: v, label: tv(f.name, v) }))]} />`;
    if (f.type === "list" && f.values) {
        return html`<fieldset class="field" aria-describedby=${`f-${f.name}-hint`}>
            <legend>${label}</legend>
            ${f.values.map((v) => html`<label class="check"><input type="checkbox" name=${f.name} value=${v} /> ${v}</label>`)}
            <p class="hint" id=${`f-${f.name}-hint`}>${hint}</p>
            ${error && error.field && error.field.startsWith(f.name) ? html`<p class="error">${errorText(error)}</p>` : null}
        </fieldset>`;
    }
    if (f.type === "list") return html`<${Field} ...${common} type="textarea" hint=${`${hint} — ${t("form.one_per_line")}`} />`;
    if (f.type === "text") return html`<${Field} ...${common} type="textarea" />`;
    if (f.type === "time") return html`<${Field} ...${common} type="datetime-local" />`;
    if (f.type === "boolean") return html`<${Field} ...${common} type="checkbox" />`;
    if (f.type === "integer") return html`<${Field} ...${common} type="number" />`;
    return html`<${Field} ...${common} />`;
}

/* The request body from the form, typed as the kind's fields say. */
function requestBody(v, fields) {
    const body = { ...v };
    for (const f of fields) {
        const x = body[f.name];
        if (x === undefined) continue;
        if (f.type === "list" && !f.values) body[f.name] = String(x).split("\n").map((s) => s.trim()).filter(Boolean);
        if (f.type === "time") body[f.name] = new Date(x).toISOString();
        if (f.type === "integer") body[f.name] = Number(x);
        if (f.type === "boolean" && body[f.name] === false) delete body[f.name];
    }
    return body;
}

export class RequestNew extends Component {
    constructor() {
        super();
        this.state = { kinds: null, orgs: null, error: null, loadError: null, busy: false };
        this.form = createRef();
    }

    async componentDidMount() {
        try {
            const [kinds, orgs] = await Promise.all([get("/request-kinds"), organizations()]);
            this.setState({ kinds, orgs });
        } catch (loadError) {
            this.setState({ loadError });
        }
    }

    submit = async (e) => {
        e.preventDefault();
        const kind = this.props.query.get("kind") || "assistance";
        const spec = this.state.kinds.kinds.find((k) => k.kind === kind);
        const body = requestBody({ ...formValues(this.form.current), kind }, spec.fields);
        this.setState({ busy: true, error: null });
        try {
            const r = await post("/requests", body);
            navigate(`/requests/${r.id}`);
        } catch (error) {
            this.setState({ busy: false, error });
            focusError(this.form.current, error);
        }
    };

    render({ query: q, user }, { kinds, orgs, error, loadError, busy }) {
        if (loadError) return html`<${Heading} text=${t("requests.new")} /><p class="error" role="alert">${errorText(loadError)}</p>`;
        if (!kinds) return html`<${Loading} />`;
        const kind = q.get("kind") || "assistance";
        const spec = kinds.kinds.find((k) => k.kind === kind) || kinds.kinds[0];
        const others = [...orgs.values()].filter((o) => o.id !== user.organization).sort((a, b) => a.name.localeCompare(b.name));
        const label = (o) => o.origin ? t("request.org_at_node", { name: o.name, state: o.state, node: o.origin.name || o.origin.peer,
            node_state: o.origin.state || t("origin.removed") }) : `${o.name} (${o.state})`;
        const names = ["to_organization", "urgency", "tlp", "subject", "description", ...spec.fields.map((f) => f.name)];
        return html`
            <${Heading} text=${t("requests.new")} />
            <nav class="tabs" aria-label=${t("request.kind")}><ul>
                ${kinds.kinds.map((k) => html`<li><a href=${withQuery({ kind: k.kind })} aria-current=${k.kind === spec.kind ? "page" : undefined}>${tv("kind", k.kind)}</a></li>`)}
            </ul></nav>
            <p>${spec.basis}</p>
            <form ref=${this.form} onSubmit=${this.submit} novalidate>
                <${Field} name="to_organization" label=${t("request.to")} required=${true} error=${error}
                    hint=${others.some((o) => o.origin) ? t("request.to_hint") : undefined}
                    options=${[{ value: "", label: t("list.choose") }, ...others.map((o) => ({ value: o.id, label: label(o) }))]} />
                <${Field} name="urgency" label=${t("request.urgency")} required=${true} error=${error} value="normal" options=${options("urgency", URGENCIES)} />
                <${TlpPicker} error=${error} value="amber" recipients=${false} />
                <${Field} name="subject" label=${t("request.subject")} required=${true} error=${error} />
                <${Field} name="description" type="textarea" label=${t("request.description")} required=${true} error=${error} />
                ${spec.fields.map((f) => kindField(f, error))}
                <${FormError} error=${error} fields=${names} />
                <button type="submit" disabled=${busy}>${t("requests.create")}</button>
            </form>`;
    }
}
