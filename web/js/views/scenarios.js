// Exercise scenarios: the library (built-in ones, then this node's), a scenario's page
// (objectives, roles, injects with their trigger, channel and text, expectations) in the
// user's language, and the editor that creates one, blank or copied from another; the
// server's validation error is shown beside the field its JSON names.
import { html, Component, createRef } from "../lib.js";
import { t, tv } from "../i18n.js";
import { get, post } from "../api.js";
import { navigate } from "../router.js";
import { inLanguage } from "../exercises.js";
import { Heading, Field, FormError, focusError, options, Tlp, Loading, errorText } from "../ui.js";

export const CHANNELS = ["request", "incident", "check", "mail", "news"];
export const ACTIONS = ["request.send", "request.acknowledge", "request.start", "request.answer", "request.decline",
    "request.message", "incident.create", "check.answer"];
const EXPECT_KINDS = ["request_acknowledged", "request_answered", "request_sent", "indicator_shared", "check_answered", "manual"];
const ORG_KINDS = ["national-csirt", "foreign-ministry", "law-enforcement", "regulator", "operator", "other"];
const CONTACT_ROLES = ["diplomatic", "technical", "law-enforcement-24x7", "csirt"];
const REQUEST_KINDS = ["assistance", "mitigation", "preservation", "information"];
const TLPS = ["clear", "green", "amber", "amber+strict", "red"];
const TRIGGERS = ["at", "after", "on_action"];

const canWrite = (user) => user.role === "analyst" || user.role === "admin";

/* When inject j is delivered, in words. */
export function injectWhen(j) {
    if (j.on_action) return t("inject.when_action", { action: tv("exaction", j.on_action), minutes: j.delay_minutes || 0 });
    if (j.after) return t("inject.when_after", { n: j.after, minutes: j.delay_minutes || 0 });
    return t("inject.when_at", { minutes: j.at_minutes || 0 });
}

export function roleName(s, id) {
    const r = s && (s.roles || []).find((x) => x.id === id);
    return r ? inLanguage(r, "name") : id || "—";
}

export class ScenarioList extends Component {
    constructor() {
        super();
        this.state = { items: null, error: null };
    }

    async componentDidMount() {
        try {
            this.setState({ items: (await get("/scenarios")).items });
        } catch (error) {
            this.setState({ error });
        }
    }

    render({ user }, { items, error }) {
        let body;
        if (error) body = html`<p class="error" role="alert">${errorText(error)}</p>`;
        else if (!items) body = html`<${Loading} />`;
        else if (!items.length) body = html`<p>${t("list.empty")}</p>`;
        else body = html`<table>
            <caption class="visually-hidden">${t("scenarios.title")}</caption>
            <thead><tr><th scope="col">${t("scenario.title_field")}</th><th scope="col">${t("scenario.source")}</th>
                <th scope="col">${t("scenario.roles")}</th><th scope="col">${t("scenario.injects")}</th>
                <th scope="col">${t("scenario.expectations")}</th></tr></thead>
            <tbody>${items.map((s) => html`<tr>
                <td><a href=${`/scenarios/${encodeURIComponent(s.id)}`}>${inLanguage(s, "title")}</a></td>
                <td>${s.builtin ? t("scenario.builtin") : t("scenario.own")}</td>
                <td>${s.roles}</td><td>${s.injects}</td><td>${s.expectations}</td></tr>`)}</tbody></table>`;
        return html`
            <${Heading} text=${t("scenarios.title")} />
            <p class="moves"><a href="/exercises">${t("exercises.title")}</a>
                ${canWrite(user) ? html`<a class="button" href="/scenarios/new">${t("scenarios.new")}</a>` : null}</p>
            ${body}`;
    }
}

export class ScenarioPage extends Component {
    constructor() {
        super();
        this.state = { s: null, error: null };
    }

    async componentDidMount() {
        try {
            this.setState({ s: await get(`/scenarios/${encodeURIComponent(this.props.params.id)}`) });
        } catch (error) {
            this.setState({ error });
        }
    }

    render({ user }, { s, error }) {
        if (error) return html`<${Heading} text=${t("scenarios.title")} /><p class="error" role="alert">${errorText(error)}</p>`;
        if (!s) return html`<${Loading} />`;
        const id = encodeURIComponent(s.id);
        return html`
            <${Heading} text=${inLanguage(s, "title")} />
            <p class="exercise-banner" role="note"><strong>${inLanguage(s, "banner")}</strong></p>
            ${canWrite(user) ? html`<p class="moves"><a class="button" href=${`/exercises/new?scenario=${id}`}>${t("scenario.run")}</a>
                <a class="button" href=${`/scenarios/new?from=${id}`}>${t("scenario.copy")}</a></p>` : null}
            <p class="text">${inLanguage(s, "summary")}</p>
            <dl class="facts"><dt>${t("scenario.source")}</dt><dd>${s.builtin ? t("scenario.builtin") : t("scenario.own")}</dd>
                <dt>${t("scenario.languages")}</dt><dd>${(s.languages || []).map((l) => t(`language.${l}`)).join(", ") || "—"}</dd></dl>
            <section aria-labelledby="h-objectives"><h2 id="h-objectives">${t("scenario.objectives")}</h2>
                <ul>${(s.objectives || []).map((o) => html`<li>${inLanguage(o, "title")}
                    ${(o.norms || []).length ? html` — ${o.norms.map((n) => html`<a href=${`/norms/${n}`}>${t("norms.letter", { letter: n })}</a> `)}` : null}
                    ${(o.capabilities || []).length ? html` (${o.capabilities.join(", ")})` : null}</li>`)}</ul></section>
            <section aria-labelledby="h-roles"><h2 id="h-roles">${t("scenario.roles")}</h2>
                <table><caption class="visually-hidden">${t("scenario.roles")}</caption>
                    <thead><tr><th scope="col">${t("xrole.name")}</th><th scope="col">${t("xrole.org_kind")}</th>
                        <th scope="col">${t("xrole.contact_role")}</th><th scope="col">${t("xrole.state")}</th><th scope="col">${t("xrole.played")}</th></tr></thead>
                    <tbody>${(s.roles || []).map((r) => html`<tr><td>${inLanguage(r, "name")}</td><td>${tv("okind", r.org_kind)}</td>
                        <td>${tv("role", r.contact_role)}</td><td>${r.state}</td><td>${r.played ? t("common.yes") : t("common.no")}</td></tr>`)}</tbody></table></section>
            <section aria-labelledby="h-injects"><h2 id="h-injects">${t("scenario.injects")}</h2>
                <table><caption class="visually-hidden">${t("scenario.injects")}</caption>
                    <thead><tr><th scope="col">${t("inject.n")}</th><th scope="col">${t("inject.when")}</th><th scope="col">${t("inject.channel")}</th>
                        <th scope="col">${t("inject.to_role")}</th><th scope="col">${t("tlp.label")}</th><th scope="col">${t("inject.content")}</th></tr></thead>
                    <tbody>${(s.injects || []).map((j) => html`<tr><td>${j.n}</td><td>${injectWhen(j)}</td>
                        <td>${tv("channel", j.channel)}${j.request_kind ? html` (${tv("kind", j.request_kind)})` : null}</td>
                        <td>${roleName(s, j.to_role)}${j.from_role ? html`<br />${t("inject.from", { role: roleName(s, j.from_role) })}` : null}</td>
                        <td><${Tlp} tlp=${j.tlp || "amber"} /></td>
                        <td><strong>${inLanguage(j, "title")}</strong><p class="text">${inLanguage(j, "text")}</p>
                            ${(j.indicators || []).length ? html`<p>${j.indicators.map((i) => html`<code>${i}</code> `)}</p>` : null}</td></tr>`)}</tbody></table></section>
            <section aria-labelledby="h-expectations"><h2 id="h-expectations">${t("scenario.expectations")}</h2>
                <${ExpectationTable} s=${s} /></section>`;
    }
}

function ExpectationTable({ s }) {
    const objective = (id) => inLanguage((s.objectives || []).find((o) => o.id === id), "title") || id || "—";
    return html`<table><caption class="visually-hidden">${t("scenario.expectations")}</caption>
        <thead><tr><th scope="col">${t("expect.title_field")}</th><th scope="col">${t("expect.kind")}</th><th scope="col">${t("expect.role")}</th>
            <th scope="col">${t("expect.objective")}</th><th scope="col">${t("expect.inject")}</th><th scope="col">${t("expect.deadline")}</th>
            <th scope="col">${t("expect.weight")}</th></tr></thead>
        <tbody>${(s.expectations || []).map((e) => html`<tr><td>${inLanguage(e, "title")}</td><td>${tv("expkind", e.kind)}</td>
            <td>${roleName(s, e.role)}</td><td>${objective(e.objective)}</td><td>${e.inject || "—"}</td>
            <td>${t("expect.minutes", { minutes: e.deadline_minutes })}</td><td>${e.weight || 1}</td></tr>`)}</tbody></table>`;
}

/* ---- the editor ---------------------------------------------------------------------- */

const INTS = new Set(["at_minutes", "after", "delay_minutes", "deadline_minutes", "weight", "inject"]);
const COMMA_LISTS = new Set(["norms", "capabilities"]);
const NOT_SENT = new Set(["trigger"]);

/* The scenario JSON of the editor's form: names like "injects[2].at_minutes" say where
   each value goes; empty values are left out, so the server's defaults apply. */
function scenarioJson(form) {
    const out = { objectives: [], roles: [], injects: [], expectations: [], languages: [] };
    for (const el of form.elements) {
        const m = el.name && /^(\w+)(?:\[(\d+)\]\.(\w+))?$/.exec(el.name);
        if (!m || el.disabled) continue;
        const [, list, i, key] = m;
        if (list === "languages") {
            if (el.checked) out.languages.push(el.value);
            continue;
        }
        let v = el.type === "checkbox" ? el.checked : el.value.trim();
        if (v === "" || (key && NOT_SENT.has(key))) continue;
        if (key && INTS.has(key) && /^-?\d+$/.test(v)) v = Number(v);
        else if (key && COMMA_LISTS.has(key)) v = v.split(/[\s,]+/).filter(Boolean);
        else if (key === "indicators") v = v.split(/\n+/).map((x) => x.trim()).filter(Boolean);
        else if (key === "request") {
            try {
                v = JSON.parse(v);
            } catch (e) {
                /* sent as text: the server names the field */
            }
        }
        if (!key) out[list] = v;
        else ((out[list][Number(i)] = out[list][Number(i)] || {}))[key] = v;
    }
    for (const list of ["objectives", "roles", "injects", "expectations"]) out[list] = out[list].filter(Boolean);
    out.injects.forEach((j, i) => { j.n = i + 1; });
    return out;
}

/* The form control an API error's field belongs to ("injects[0].request.sector" is the
   request box of inject 1, "objectives[0].norms[2]" its norms), or null when the form
   has none. */
function controlOf(form, field) {
    let f = field;
    while (f) {
        if (form.querySelector(`[name="${CSS.escape(f)}"]`)) return f;
        const cut = /\[\d+\]$/.test(f) ? f.lastIndexOf("[") : f.lastIndexOf(".");
        f = cut > 0 ? f.slice(0, cut) : "";
    }
    return null;
}

let rowKey = 0;
const row = (init = {}) => ({ key: ++rowKey, init, id: init.id || "", trigger: init.on_action ? "on_action" : init.after ? "after" : "at",
    channel: init.channel || "news", kind: init.kind || "manual" });

const BLANK = {
    title: "", banner: "", languages: ["en", "ja"],
    objectives: [{}], roles: [{ org_kind: "national-csirt", contact_role: "csirt", played: true }],
    injects: [{ channel: "news", at_minutes: 0, tlp: "amber" }], expectations: [{ kind: "manual", weight: 1 }],
};

export class ScenarioNew extends Component {
    constructor() {
        super();
        this.state = { base: null, rows: null, error: null, loadError: null, busy: false };
        this.form = createRef();
    }

    async componentDidMount() {
        const from = this.props.query.get("from");
        try {
            const base = from ? await get(`/scenarios/${encodeURIComponent(from)}`) : BLANK;
            const rows = {};
            for (const list of ["objectives", "roles", "injects", "expectations"]) rows[list] = (base[list] || []).map((x) => row(x));
            this.setState({ base, rows });
        } catch (loadError) {
            this.setState({ loadError });
        }
    }

    add = (list) => this.setState({ rows: { ...this.state.rows, [list]: [...this.state.rows[list], row(list === "injects" ? { tlp: "amber" } : {})] } });

    remove = (list, key) => this.setState({ rows: { ...this.state.rows, [list]: this.state.rows[list].filter((r) => r.key !== key) } });

    change = (list, key, what, value) => this.setState({
        rows: { ...this.state.rows, [list]: this.state.rows[list].map((r) => (r.key === key ? { ...r, [what]: value } : r)) },
    });

    submit = async (e) => {
        e.preventDefault();
        const form = this.form.current;
        this.setState({ busy: true, error: null });
        try {
            const s = await post("/scenarios", scenarioJson(form));
            navigate(`/scenarios/${encodeURIComponent(s.id)}`);
        } catch (error) {
            const control = controlOf(form, error.field);
            if (error.field && !control) error.message = `${error.field}: ${error.message}`;
            error.field = control;
            this.setState({ busy: false, error });
            focusError(form, error);
        }
    };

    render({ query }, { base, rows, error, loadError, busy }) {
        const title = query.get("from") ? t("scenarios.copy") : t("scenarios.new");
        if (loadError) return html`<${Heading} text=${title} /><p class="error" role="alert">${errorText(loadError)}</p>`;
        if (!rows) return html`<${Loading} />`;
        const section = (list, legend, draw) => html`<section aria-labelledby=${`h-${list}`}>
            <h2 id=${`h-${list}`}>${t(`scenario.${list}`)}</h2>
            ${rows[list].map((r, i) => html`<fieldset class="field" key=${r.key}>
                <legend>${t(legend, { n: i + 1 })}</legend>
                ${draw(r, i)}
                <button type="button" class="remove" onClick=${() => this.remove(list, r.key)}>${t("scenario.remove", { what: t(legend, { n: i + 1 }) })}</button>
            </fieldset>`)}
            <button type="button" onClick=${() => this.add(list)}>${t(`scenario.add_${list}`)}</button></section>`;
        return html`
            <${Heading} text=${title} />
            <form ref=${this.form} onSubmit=${this.submit} novalidate>
                <${Field} name="id" label=${t("scenario.id")} hint=${t("scenario.id_hint")} error=${error} />
                <${Field} name="title" label=${t("scenario.title_field")} required=${true} value=${base.title} error=${error} />
                <${Field} name="title_ja" label=${t("scenario.title_ja")} value=${base.title_ja} error=${error} />
                <${Field} name="summary" type="textarea" label=${t("scenario.summary")} value=${base.summary} error=${error} />
                <${Field} name="summary_ja" type="textarea" label=${t("scenario.summary_ja")} value=${base.summary_ja} error=${error} />
                <${Field} name="banner" label=${t("scenario.banner")} required=${true} value=${base.banner} error=${error} hint=${t("scenario.banner_hint")} />
                <${Field} name="banner_ja" label=${t("scenario.banner_ja")} value=${base.banner_ja} error=${error} />
                <fieldset class="field"><legend>${t("scenario.languages")}</legend>
                    ${["en", "ja"].map((l) => html`<label class="check"><input type="checkbox" name="languages" value=${l}
                        defaultChecked=${(base.languages || []).includes(l)} /> ${t(`language.${l}`)}</label>`)}
                    ${error && error.field === "languages" ? html`<p class="error">${errorText(error)}</p>` : null}</fieldset>
                ${section("objectives", "scenario.objective_n", (r, i) => this.objective(r, i, error))}
                ${section("roles", "scenario.role_n", (r, i) => this.role(r, i, error))}
                ${section("injects", "scenario.inject_n", (r, i) => this.inject(r, i, error))}
                ${section("expectations", "scenario.expectation_n", (r, i) => this.expectation(r, i, error))}
                <${FormError} error=${error} fields=${error && error.field ? [error.field] : []} />
                ${["roles", "objectives"].map((list) => html`<datalist id=${`dl-${list}`}>
                    ${rows[list].filter((r) => r.id).map((r) => html`<option value=${r.id} />`)}</datalist>`)}
                <button type="submit" disabled=${busy}>${t("scenario.create")}</button>
            </form>`;
    }

    objective(r, i, error) {
        const o = r.init, n = (k) => `objectives[${i}].${k}`;
        return html`<${Field} name=${n("id")} label=${t("scenario.item_id")} value=${o.id} error=${error}
                onChange=${(e) => this.change("objectives", r.key, "id", e.target.value.trim())} />
            <${Field} name=${n("title")} label=${t("scenario.title_field")} value=${o.title} error=${error} />
            <${Field} name=${n("title_ja")} label=${t("scenario.title_ja")} value=${o.title_ja} error=${error} />
            <${Field} name=${n("norms")} label=${t("statement.norms")} value=${(o.norms || []).join(", ")} error=${error} hint=${t("statement.norms_hint")} />
            <${Field} name=${n("capabilities")} label=${t("scenario.capabilities")} value=${(o.capabilities || []).join(", ")} error=${error} />`;
    }

    role(row, i, error) {
        const r = row.init, n = (k) => `roles[${i}].${k}`;
        return html`<${Field} name=${n("id")} label=${t("scenario.item_id")} value=${r.id} error=${error}
                onChange=${(e) => this.change("roles", row.key, "id", e.target.value.trim())} />
            <${Field} name=${n("name")} label=${t("xrole.name")} value=${r.name} error=${error} />
            <${Field} name=${n("name_ja")} label=${t("xrole.name_ja")} value=${r.name_ja} error=${error} />
            <${Field} name=${n("org_kind")} label=${t("xrole.org_kind")} value=${r.org_kind} options=${options("okind", ORG_KINDS)} error=${error} />
            <${Field} name=${n("contact_role")} label=${t("xrole.contact_role")} value=${r.contact_role} options=${options("role", CONTACT_ROLES)} error=${error} />
            <${Field} name=${n("state")} label=${t("xrole.state")} value=${r.state} error=${error} hint=${t("xrole.state_hint")} />
            <${Field} name=${n("played")} type="checkbox" label=${t("xrole.played")} value=${r.played} error=${error} />`;
    }

    inject(r, i, error) {
        const j = r.init, n = (k) => `injects[${i}].${k}`;
        const roleField = (k, label) => html`<${Field} name=${n(k)} label=${label} value=${j[k]} error=${error} hint=${t("inject.role_hint")} list="dl-roles" />`;
        return html`<${Field} name=${n("trigger")} label=${t("inject.trigger")} value=${r.trigger} options=${options("trigger", TRIGGERS)}
                onChange=${(e) => this.change("injects", r.key, "trigger", e.target.value)} />
            ${r.trigger === "at" ? html`<${Field} name=${n("at_minutes")} type="number" label=${t("inject.at_minutes")} value=${j.at_minutes} error=${error} />` : null}
            ${r.trigger === "after" ? html`<${Field} name=${n("after")} type="number" label=${t("inject.after")} value=${j.after} error=${error} />` : null}
            ${r.trigger === "on_action" ? html`<${Field} name=${n("on_action")} label=${t("inject.on_action")} value=${j.on_action} options=${options("exaction", ACTIONS)} error=${error} />` : null}
            ${r.trigger !== "at" ? html`<${Field} name=${n("delay_minutes")} type="number" label=${t("inject.delay_minutes")} value=${j.delay_minutes} error=${error} />` : null}
            <${Field} name=${n("channel")} label=${t("inject.channel")} value=${r.channel} options=${options("channel", CHANNELS)} error=${error}
                onChange=${(e) => this.change("injects", r.key, "channel", e.target.value)} />
            ${r.channel === "request" ? html`<${Field} name=${n("request_kind")} label=${t("expect.request_kind")} value=${j.request_kind} options=${options("kind", REQUEST_KINDS)} error=${error} />
                <${Field} name=${n("request")} type="textarea" label=${t("inject.request")} value=${j.request ? JSON.stringify(j.request, null, 1) : ""} error=${error} hint=${t("inject.request_hint")} />` : null}
            ${r.channel === "request" || r.channel === "incident" ? roleField("from_role", t("inject.from_role")) : null}
            ${roleField("to_role", t("inject.to_role"))}
            <${Field} name=${n("tlp")} label=${t("tlp.label")} value=${j.tlp || "amber"} options=${options("tlp", TLPS)} error=${error} />
            <${Field} name=${n("title")} label=${t("inject.title_en")} value=${j.title} error=${error} />
            <${Field} name=${n("title_ja")} label=${t("inject.title_ja")} value=${j.title_ja} error=${error} />
            <${Field} name=${n("text")} type="textarea" label=${t("inject.text_en")} value=${j.text} error=${error} />
            <${Field} name=${n("text_ja")} type="textarea" label=${t("inject.text_ja")} value=${j.text_ja} error=${error} />
            ${r.channel === "incident" ? html`<${Field} name=${n("indicators")} type="textarea" label=${t("inject.indicators")} value=${(j.indicators || []).join("\n")} error=${error} hint=${t("inject.indicators_hint")} />` : null}`;
    }

    /* The fields of expectation row r; those of its kind only (request_sent: the request's
       kind, recipient and content; indicator_shared: the recipient and the TLP). */
    expectation(r, i, error) {
        const e = r.init, n = (k) => `expectations[${i}].${k}`;
        const sent = r.kind === "request_sent", shared = r.kind === "indicator_shared";
        return html`<${Field} name=${n("id")} label=${t("scenario.item_id")} value=${e.id} error=${error} />
            <${Field} name=${n("title")} label=${t("expect.title_en")} value=${e.title} error=${error} />
            <${Field} name=${n("title_ja")} label=${t("expect.title_ja")} value=${e.title_ja} error=${error} />
            <${Field} name=${n("kind")} label=${t("expect.kind")} value=${r.kind} options=${options("expkind", EXPECT_KINDS)} error=${error}
                onChange=${(ev) => this.change("expectations", r.key, "kind", ev.target.value)} />
            <${Field} name=${n("role")} label=${t("expect.role")} value=${e.role} error=${error} hint=${t("inject.role_hint")} list="dl-roles" />
            <${Field} name=${n("objective")} label=${t("expect.objective")} value=${e.objective} error=${error} hint=${t("expect.objective_hint")} list="dl-objectives" />
            <${Field} name=${n("inject")} type="number" label=${t("expect.inject")} value=${e.inject} error=${error} />
            <${Field} name=${n("deadline_minutes")} type="number" label=${t("expect.deadline_minutes")} value=${e.deadline_minutes} error=${error} />
            <${Field} name=${n("weight")} type="number" label=${t("expect.weight")} value=${e.weight} error=${error} />
            ${sent ? html`<${Field} name=${n("request_kind")} label=${t("expect.request_kind")} value=${e.request_kind} options=${options("kind", REQUEST_KINDS)} error=${error} />` : null}
            ${sent || shared ? html`<${Field} name=${n("to_role")} label=${t("inject.to_role")} value=${e.to_role} error=${error} list="dl-roles" />` : null}
            ${shared ? html`<${Field} name=${n("tlp")} label=${t("tlp.label")} value=${e.tlp} options=${options("tlp", TLPS, t("list.none"))} error=${error} />` : null}
            ${sent ? html`<${Field} name=${n("complete")} type="checkbox" label=${t("expect.complete")} value=${e.complete} error=${error} />
                <${Field} name=${n("with_indicators")} type="checkbox" label=${t("expect.with_indicators")} value=${e.with_indicators} error=${error} />` : null}`;
    }
}
