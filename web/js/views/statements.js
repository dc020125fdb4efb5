// Public attribution statements: the list the caller may see (embargoed ones only for
// their issuers), a statement's page with its text per language, its issuers and which
// of them approved this version, its annex and the moves the caller may make, and the
// drafting form.
import { html, Component, createRef } from "../lib.js";
import { t, tv, formatTime } from "../i18n.js";
import { get, post } from "../api.js";
import { navigate, pick, withQuery } from "../router.js";
import { organizations, orgName } from "../orgs.js";
import { Heading, Field, FormError, focusError, formValues, options, Tlp, Pager, Loading, errorText } from "../ui.js";

const STATUSES = ["draft", "circulating", "approved", "scheduled", "published", "corrected", "withdrawn"];
const CONFIDENCE = ["remote chance", "highly unlikely", "unlikely", "realistic possibility", "likely", "highly likely", "almost certain"];

export class StatementList extends Component {
    constructor() {
        super();
        this.state = { page: null, orgs: null, error: null };
    }

    async componentDidMount() {
        try {
            const q = new URLSearchParams({ ...pick(this.props.query, ["q", "status", "norm", "cursor"]), limit: 50 });
            const [page, orgs] = await Promise.all([get(`/statements?${q}`), organizations()]);
            this.setState({ page, orgs });
        } catch (error) {
            this.setState({ error });
        }
    }

    filter = (e) => {
        e.preventDefault();
        const v = formValues(e.target);
        navigate(withQuery({ q: v.q || "", status: v.status || "", cursor: "" }));
    };

    render({ query: q }, { page, orgs, error }) {
        let body;
        if (error) body = html`<p class="error" role="alert">${errorText(error)}</p>`;
        else if (!page) body = html`<${Loading} />`;
        else if (!page.items.length) body = html`<p>${t("list.empty")}</p>`;
        else body = html`<table>
            <caption class="visually-hidden">${t("statements.title")}</caption>
            <thead><tr><th scope="col">${t("statement.title_field")}</th><th scope="col">${t("statement.status")}</th>
                <th scope="col">${t("statement.drafter")}</th><th scope="col">${t("statement.cosigners")}</th>
                <th scope="col">${t("statement.publish_at")}</th></tr></thead>
            <tbody>${page.items.map((s) => html`<tr>
                <td><a href=${`/statements/${s.id}`}>${s.title}</a></td><td>${tv("sstatus", s.status)}</td>
                <td>${orgName(orgs, s.organization)}</td><td>${(s.cosigners || []).map((c) => orgName(orgs, c)).join(", ") || "—"}</td>
                <td>${s.publish_at ? html`<time datetime=${s.publish_at}>${formatTime(s.publish_at)}</time>` : "—"}</td>
            </tr>`)}</tbody></table><${Pager} next=${page.next} />`;
        return html`
            <${Heading} text=${t("statements.title")} />
            <p><a class="button" href="/statements/new">${t("statements.new")}</a></p>
            <form class="filters" onSubmit=${this.filter} aria-label=${t("list.filters")}>
                <${Field} name="q" type="search" label=${t("list.search")} value=${q.get("q")} />
                <${Field} name="status" label=${t("statement.status")} value=${q.get("status")} options=${options("sstatus", STATUSES, t("list.any"))} />
                <button type="submit">${t("list.apply")}</button>
            </form>
            ${body}`;
    }
}

/* The moves the signed-in user's organization may make on s now. */
function movesFor(s, user) {
    if (user.role === "viewer") return [];
    const drafter = user.organization === s.organization;
    const me = (s.issuers || []).find((i) => i.organization === user.organization);
    const out = [];
    if (drafter && s.status === "draft") out.push("circulate");
    if (me && !me.approved && s.status === "circulating") out.push("approve");
    if (drafter && s.status === "approved") out.push("schedule");
    if (drafter && (s.status === "approved" || s.status === "scheduled")) out.push("publish");
    if (drafter && s.status === "published") out.push("correct", "withdraw");
    return out;
}

export class StatementPage extends Component {
    constructor() {
        super();
        this.state = { s: null, orgs: null, error: null, moveError: null, done: false, busy: false };
        this.form = createRef();
    }

    componentDidMount() {
        this.load();
    }

    async load() {
        try {
            const [s, orgs] = await Promise.all([get(`/statements/${encodeURIComponent(this.props.params.id)}`), organizations()]);
            this.setState({ s, orgs });
        } catch (error) {
            this.setState({ error });
        }
    }

    move = async (mv) => {
        const v = formValues(this.form.current);
        const body = {};
        if (mv === "approve") body.content_hash = this.state.s.content_hash;
        if (mv === "schedule" && v.publish_at) body.publish_at = new Date(v.publish_at).toISOString();
        if (mv === "withdraw") body.reason = v.reason || "";
        this.setState({ busy: true, moveError: null, done: false });
        try {
            const made = await post(`/statements/${this.state.s.id}/${mv}`, body);
            if (mv === "correct") {
                navigate(`/statements/${made.id}`);  /* the new draft that will supersede this one */
                return;
            }
            await this.load();
            this.setState({ busy: false, done: true });
        } catch (moveError) {
            this.setState({ busy: false, moveError });
            focusError(this.form.current, moveError);
        }
    };

    render({ user }, { s, orgs, error, moveError, done, busy }) {
        if (error) return html`<${Heading} text=${t("statements.title")} /><p class="error" role="alert">${errorText(error)}</p>`;
        if (!s) return html`<${Loading} />`;
        const facts = [["statement.status", tv("sstatus", s.status)], ["statement.version", String(s.version)],
            ["statement.drafter", orgName(orgs, s.organization)], ["statement.threat_actor", s.threat_actor || "—"],
            ["statement.confidence", s.confidence ? tv("conf", s.confidence) : "—"], ["statement.norms", (s.norms || []).join(", ") || "—"],
            ["statement.publish_at", s.publish_at ? formatTime(s.publish_at) : "—"], ["statement.hash", html`<code>${s.content_hash}</code>`]];
        const moves = movesFor(s, user);
        return html`
            <${Heading} text=${s.title} />
            ${s.status === "scheduled" ? html`<p class="notice">${t("statement.embargo", { time: formatTime(s.publish_at) })}</p>` : null}
            <dl class="facts">${facts.map(([k, v]) => html`<dt>${t(k)}</dt><dd>${v}</dd>`)}</dl>
            ${Object.entries(s.text || {}).map(([lang, text]) => html`<section aria-label=${t("statement.text_in", { lang })}>
                <p class="text" lang=${lang}>${text}</p></section>`)}
            <section aria-labelledby="h-issuers">
                <h2 id="h-issuers">${t("statement.issuers")}</h2>
                <table><caption class="visually-hidden">${t("statement.issuers")}</caption>
                    <thead><tr><th scope="col">${t("statement.organization")}</th><th scope="col">${t("statement.role")}</th>
                        <th scope="col">${t("statement.approved")}</th></tr></thead>
                    <tbody>${(s.issuers || []).map((i) => html`<tr><td>${orgName(orgs, i.organization)}</td><td>${tv("srole", i.role)}</td>
                        <td>${i.approved ? t("statement.approved_yes") : t("statement.approved_no")}</td></tr>`)}</tbody></table>
            </section>
            ${Object.entries(s.issuer_texts || {}).map(([org, texts]) => html`<section aria-label=${t("statement.own_text", { org: orgName(orgs, org) })}>
                <h3>${t("statement.own_text", { org: orgName(orgs, org) })}</h3>
                ${Object.entries(texts).map(([lang, text]) => html`<p class="text" lang=${lang}>${text}</p>`)}</section>`)}
            ${(s.annex || []).length ? html`<section aria-labelledby="h-annex">
                <h2 id="h-annex">${t("statement.annex")}</h2>
                <table><caption class="visually-hidden">${t("statement.annex")}</caption>
                    <thead><tr><th scope="col">${t("indicator.value")}</th><th scope="col">${t("indicator.type")}</th><th scope="col">${t("tlp.label")}</th></tr></thead>
                    <tbody>${s.annex.map((a) => html`<tr><td><code>${a.value}</code></td><td>${tv("itype", a.type)}</td><td><${Tlp} tlp=${a.tlp} /></td></tr>`)}</tbody></table>
            </section>` : null}
            ${moves.length ? html`<section aria-labelledby="h-moves">
                <h2 id="h-moves">${t("statement.act")}</h2>
                <form ref=${this.form} onSubmit=${(e) => e.preventDefault()} novalidate>
                    ${moves.includes("schedule") ? html`<${Field} name="publish_at" type="datetime-local" label=${t("statement.publish_at")} error=${moveError} />` : null}
                    ${moves.includes("withdraw") ? html`<${Field} name="reason" type="textarea" label=${t("statement.reason")} error=${moveError} />` : null}
                    <${FormError} error=${moveError} fields=${["publish_at", "reason"]} />
                    ${moves.map((m) => html`<button type="button" disabled=${busy} onClick=${() => this.move(m)}>${tv("smove", m)}</button> `)}
                </form>
            </section>` : null}
            ${done ? html`<p role="status">${t("statement.moved")}</p>` : null}`;
    }
}

/* The form control an API error's field belongs to: "norms[1]" is the norms field,
   "text.ja" the Japanese text. */
function formField(field) {
    if (!field) return field;
    if (field === "text") return "text_en";
    if (field.startsWith("text.")) return `text_${field.slice(5)}`;
    return field.replace(/\[\d+\].*$/, "");
}

export class StatementNew extends Component {
    constructor() {
        super();
        this.state = { orgs: null, error: null, loadError: null, busy: false };
        this.form = createRef();
    }

    async componentDidMount() {
        try {
            this.setState({ orgs: await organizations() });
        } catch (loadError) {
            this.setState({ loadError });
        }
    }

    submit = async (e) => {
        e.preventDefault();
        const v = formValues(this.form.current);
        const body = { title: v.title || "", text: {} };
        if (v.text_en) body.text.en = v.text_en;
        if (v.text_ja) body.text.ja = v.text_ja;
        if (v.threat_actor) body.threat_actor = v.threat_actor;
        if (v.confidence) body.confidence = v.confidence;
        if (v.norms) body.norms = v.norms.split(/[\s,]+/).filter(Boolean).map((n) => n.toLowerCase());
        if (v.cosigners && v.cosigners.length) body.cosigners = v.cosigners;
        this.setState({ busy: true, error: null });
        try {
            const s = await post("/statements", body);
            navigate(`/statements/${s.id}`);
        } catch (error) {
            error.field = formField(error.field);
            this.setState({ busy: false, error });
            focusError(this.form.current, error);
        }
    };

    render({ user }, { orgs, error, loadError, busy }) {
        if (loadError) return html`<${Heading} text=${t("statements.new")} /><p class="error" role="alert">${errorText(loadError)}</p>`;
        if (!orgs) return html`<${Loading} />`;
        const others = [...orgs.values()].filter((o) => o.id !== user.organization).map((o) => ({ value: o.id, label: `${o.name} (${o.state})` }));
        const names = ["title", "text_en", "text_ja", "threat_actor", "confidence", "norms", "cosigners"];
        return html`
            <${Heading} text=${t("statements.new")} />
            <form ref=${this.form} onSubmit=${this.submit} novalidate>
                <${Field} name="title" label=${t("statement.title_field")} required=${true} error=${error} />
                <${Field} name="text_en" type="textarea" label=${t("statement.text_en")} error=${error} rows=${6} />
                <${Field} name="text_ja" type="textarea" label=${t("statement.text_ja")} error=${error} rows=${6} />
                <${Field} name="threat_actor" label=${t("statement.threat_actor")} error=${error} />
                <${Field} name="confidence" label=${t("statement.confidence")} error=${error} options=${options("conf", CONFIDENCE, t("list.none"))} />
                <${Field} name="norms" label=${t("statement.norms")} error=${error} hint=${t("statement.norms_hint")} />
                <${Field} name="cosigners" label=${t("statement.cosigners")} error=${error} options=${others} multiple=${true} hint=${t("statement.cosigners_hint")} />
                <${FormError} error=${error} fields=${names} />
                <button type="submit" disabled=${busy}>${t("statement.create")}</button>
            </form>`;
    }
}
