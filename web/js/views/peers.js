// The peer nodes of this node (admins): each peer's state, last exchange, the changes
// waiting each way (its lag), its delivery (certificate check, failures, next pull,
// pokes), its keys and their rotation, its last error and the messages refused with
// their reasons; pausing, resuming and syncing now.
import { html, Component, createRef } from "../lib.js";
import { t, tv, formatTime } from "../i18n.js";
import { get, post } from "../api.js";
import { Heading, Loading, errorText } from "../ui.js";
import { Tabs } from "./admin.js";

function Keys({ p }) {
    return html`<ul class="keys">${(p.keys || []).map((k) => html`<li>
        <code>${k.fingerprint}</code> — ${tv("keystate", k.state)}
        ${k.until && k.state !== "current" ? html` (${t("peers.key_until", { time: formatTime(k.until) })})` : null}
        ${k.reason ? html` — ${k.reason}` : null}</li>`)}</ul>`;
}

function Refusals({ p }) {
    if (!p.refusals || !p.refusals.length) return html`<p>${t("peers.no_refusals")}</p>`;
    return html`<table><caption class="visually-hidden">${t("peers.refusals_of", { name: p.name })}</caption>
        <thead><tr><th scope="col">${t("admin.at")}</th><th scope="col">${t("peers.direction")}</th><th scope="col">${t("peers.reason")}</th></tr></thead>
        <tbody>${p.refusals.map((f) => html`<tr><td><time datetime=${f.at}>${formatTime(f.at)}</time></td>
            <td>${tv("refusal", f.direction)}</td><td>${f.reason}${f.object ? html` <code>${f.object}</code>` : null}</td></tr>`)}</tbody></table>`;
}

/* How this node reaches the peer: its certificate check, the pulls and the pokes. */
function Delivery({ p }) {
    const tls = p.ca ? t("peers.tls_own_ca") : p.url.startsWith("https://") ? t("peers.tls_system") : t("peers.tls_plain");
    const pokes = p.poke_failures
        ? t("peers.pokes_failing", { n: p.poke_failures, time: p.poke_next ? formatTime(p.poke_next) : "—", error: p.poke_error || "—" })
        : t("peers.pokes_ok");
    const facts = [["peers.tls", tls], ["peers.failures", String(p.failures)],
        ["peers.next_attempt", p.next_attempt ? formatTime(p.next_attempt) : t("peers.next_when_asked")],
        ["peers.poked", p.poked ? formatTime(p.poked) : t("peers.poked_never")],
        ["peers.poke_seq", String(p.poke_seq)], ["peers.pokes", pokes]];
    return html`<dl class="facts">${facts.map(([k, v]) => html`<dt>${t(k)}</dt><dd>${v}</dd>`)}</dl>`;
}

function Peer({ p, busy, act }) {
    const h = `h-peer-${p.id}`;
    const facts = [["peers.status", tv("pstatus", p.status)], ["peers.url", p.url], ["peers.last_success", p.last_success ? formatTime(p.last_success) : t("peers.never")],
        ["peers.waiting_out", String(p.waiting.to_peer)], ["peers.waiting_in", String(p.waiting.from_peer)],
        ["peers.refused", String(p.refused)], ["peers.rotation", tv("rotation", p.rotation)],
        ["peers.notices", p.key_notices.waiting ? t("peers.notices_waiting", { n: p.key_notices.waiting, error: p.key_notices.error || "—" }) : t("peers.notices_none")],
        ["peers.last_error", p.last_error ? `${p.last_error} (${formatTime(p.last_error_at)})` : "—"]];
    return html`<section class="peer" aria-labelledby=${h}>
        <h2 id=${h}>${p.name} (${p.state})</h2>
        <dl class="facts">${facts.map(([k, v]) => html`<dt>${t(k)}</dt><dd>${v}</dd>`)}</dl>
        <h3>${t("peers.delivery")}</h3><${Delivery} p=${p} />
        <h3>${t("peers.keys")}</h3><${Keys} p=${p} />
        <p>${p.status === "active"
            ? html`<button type="button" disabled=${busy} onClick=${() => act(p, "pause")}>${t("peers.pause", { name: p.name })}</button>`
            : html`<button type="button" disabled=${busy} onClick=${() => act(p, "resume")}>${t("peers.resume", { name: p.name })}</button>`}
            ${" "}<button type="button" disabled=${busy || p.status !== "active"} onClick=${() => act(p, "sync")}>${t("peers.sync", { name: p.name })}</button></p>
        <h3>${t("peers.refusals")}</h3><${Refusals} p=${p} />
    </section>`;
}

export class AdminPeers extends Component {
    constructor() {
        super();
        this.state = { peers: null, node: null, error: null, done: null, busy: false };
        this.status = createRef();
    }

    async componentDidMount() {
        try {
            await this.load();
        } catch (error) {
            this.setState({ error });
        }
    }

    async load() {
        const [list, node] = await Promise.all([get("/peers"), get("/node")]);
        this.setState({ peers: list.items, node });
    }

    act = async (p, action) => {
        this.setState({ busy: true, error: null, done: null });
        try {
            const r = await post(`/peers/${p.id}/${action}`);
            const done = action === "sync" ? t("peers.synced", { name: p.name, applied: r.applied, refused: r.refused })
                : t(action === "pause" ? "peers.paused" : "peers.resumed", { name: p.name });
            await this.load();
            this.setState({ busy: false, done });
        } catch (error) {
            this.setState({ busy: false, error });
            try {
                await this.load();
            } catch (e) {
                /* the error of the action is the one shown */
            }
        }
        if (this.status.current) this.status.current.focus();
    };

    render(_, { peers, node, error, done, busy }) {
        return html`
            <${Heading} text=${t("peers.title")} /><${Tabs} current="peers" />
            ${node ? html`<p>${t("peers.this_node", { name: node.operator.name, state: node.operator.state })}<br />
                ${t("peers.fingerprint")} <code>${node.signing_key.fingerprint}</code></p>` : null}
            <p tabindex="-1" ref=${this.status} role=${error ? "alert" : "status"} class=${error ? "error" : ""}>${error ? errorText(error) : done || ""}</p>
            ${!peers ? (error ? null : html`<${Loading} />`) : !peers.length ? html`<p>${t("peers.none")}</p>`
                : peers.map((p) => html`<${Peer} p=${p} busy=${busy} act=${this.act} />`)}`;
    }
}
