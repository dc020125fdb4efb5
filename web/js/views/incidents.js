// Incidents and indicators: lists with the API's filters in the URL, an incident's page
// with its timeline and linked indicators, reporting an incident with the TLP picker.
import { html, Component, createRef } from "../lib.js";
import { t, tv, formatTime } from "../i18n.js";
import { get, post, patch, query } from "../api.js";
import { navigate, pick, withQuery } from "../router.js";
import { organizations, orgName } from "../orgs.js";
import { Heading, Field, FormError, focusError, formValues, options, Tlp, Pager, Loading, errorText, Origin } from "../ui.js";
import { ExerciseMark } from "../exercises.js";
import { TlpPicker, TLPS, Audience } from "./tlp.js";
import { Downloads } from "./files.js";
import { norms, NormBoxes, NormLinks } from "./library.js";

const STATUSES = ["open", "contained", "resolved", "closed"];
const IMPACTS = ["white", "green", "yellow", "red"];
const TYPES = ["ipv4", "ipv6", "cidr", "domain", "url", "email", "md5", "sha1", "sha256", "asn"];

let taxonomies = null;
function taxonomy() {
    if (!taxonomies) taxonomies = get("/taxonomies").catch((e) => { taxonomies = null; throw e; });
    return taxonomies;
}

/* A list page: fetches one page with the filters of the URL. */
class ListPage extends Component {
    constructor() {
        super();
        this.state = { page: null, error: null, orgs: null, tax: null };
    }

    async componentDidMount() {
        try {
            const [page, orgs, tax] = await Promise.all([get(`${this.endpoint}${query({ ...pick(this.props.query, this.filters), limit: 50 })}`),
                organizations(), taxonomy()]);
            this.setState({ page, orgs, tax });
        } catch (error) {
            this.setState({ error });
        }
    }

    filter = (e) => {
        e.preventDefault();
        const v = formValues(e.target);
        const changes = { cursor: "" };
        for (const n of this.filters) if (n !== "cursor") changes[n] = v[n] || "";
        navigate(withQuery(changes));
    };

    body(page, error, rows) {
        if (error) return html`<p class="error" role="alert">${errorText(error)}</p>`;
        if (!page) return html`<${Loading} />`;
        if (!page.items.length) return html`<p>${t("list.empty")}</p>`;
        return html`${rows}<${Pager} next=${page.next} />`;
    }
}

/* The norm filter's choices: the letters of A/70/174, "(a)" to "(k)". */
const NORM_OPTIONS = () => [{ value: "", label: t("list.any") },
    ..."abcdefghijk".split("").map((l) => ({ value: l, label: t("norms.letter", { letter: l }) }))];

export class IncidentList extends ListPage {
    endpoint = "/incidents";
    filters = ["q", "status", "tlp", "sector", "impact", "state", "norm", "cursor"];

    render({ query: q }, { page, error, orgs, tax }) {
        const sectors = tax ? tax.nis2.sectors.map((s) => s.value) : [];
        return html`
            <${Heading} text=${t("incidents.title")} />
            <p><a class="button" href="/incidents/new">${t("incidents.new")}</a> <a href="/import">${t("import.title")}</a></p>
            <${Downloads} endpoint="/incidents" filters=${pick(q, this.filters.filter((n) => n !== "cursor"))} />
            <form class="filters" onSubmit=${this.filter} aria-label=${t("list.filters")}>
                <${Field} name="q" type="search" label=${t("list.search")} value=${q.get("q")} />
                <${Field} name="status" label=${t("incident.status")} value=${q.get("status")} options=${options("istatus", STATUSES, t("list.any"))} />
                <${Field} name="tlp" label=${t("tlp.label")} value=${q.get("tlp")} options=${options("tlp", TLPS, t("list.any"))} />
                <${Field} name="sector" label=${t("incident.sector")} value=${q.get("sector")} options=${options("sector", sectors, t("list.any"))} />
                <${Field} name="impact" label=${t("incident.impact")} value=${q.get("impact")} options=${options("impact", IMPACTS, t("list.any"))} />
                <${Field} name="state" label=${t("incident.state")} value=${q.get("state")} hint=${t("form.state_hint")} />
                <${Field} name="norm" label=${t("incident.norms")} value=${q.get("norm")} options=${NORM_OPTIONS()} />
                <button type="submit">${t("list.apply")}</button>
            </form>
            ${this.body(page, error, page && html`<table>
                <caption class="visually-hidden">${t("incidents.title")}</caption>
                <thead><tr><th scope="col">${t("incident.title_field")}</th><th scope="col">${t("incident.type")}</th>
                    <th scope="col">${t("incident.status")}</th><th scope="col">${t("incident.organization")}</th>
                    <th scope="col">${t("tlp.label")}</th><th scope="col">${t("incident.occurred")}</th></tr></thead>
                <tbody>${page.items.map((i) => html`<tr>
                    <td><a href=${`/incidents/${i.id}`}>${i.title}</a>${i.exercise ? html`<${ExerciseMark} id=${i.exercise} />` : null}</td><td>${i.rsit_type}</td>
                    <td>${tv("istatus", i.status)}</td><td>${orgName(orgs, i.organization)}</td>
                    <td><${Tlp} tlp=${i.tlp} /></td><td><time datetime=${i.occurred}>${formatTime(i.occurred)}</time></td>
                </tr>`)}</tbody></table>`)}`;
    }
}

/* One indicator: what it is, its TLP and recipients, where it came from. Indicators are
   changed by sharing them again (IndicatorNew), so this page has no form. */
export class IndicatorPage extends Component {
    constructor() {
        super();
        this.state = { x: null, orgs: null, error: null };
    }

    async componentDidMount() {
        try {
            const [x, orgs] = await Promise.all([get(`/indicators/${encodeURIComponent(this.props.params.id)}`), organizations()]);
            this.setState({ x, orgs });
        } catch (error) {
            this.setState({ error });
        }
    }

    render(_, { x, orgs, error }) {
        if (error) return html`<${Heading} text=${t("indicator.title")} /><p class="error" role="alert">${errorText(error)}</p>`;
        if (!x) return html`<${Loading} />`;
        const facts = [["indicator.type", tv("itype", x.type)], ["indicator.source", orgName(orgs, x.source)],
            ["tlp.label", html`<${Tlp} tlp=${x.tlp} />`], ["tlp.recipients", (x.recipients || []).map((r) => orgName(orgs, r)).join(", ") || "—"],
            ["indicator.confidence", String(x.confidence ?? "—")], ["indicator.last_seen", x.last_seen ? formatTime(x.last_seen) : "—"]];
        return html`
            <${Heading} text=${x.value} />
            ${x.exercise ? html`<${ExerciseMark} id=${x.exercise} block=${true} />` : null}
            <${Origin} origin=${x.origin} />
            <dl class="facts">${facts.map(([k, v]) => html`<dt>${t(k)}</dt><dd>${v}</dd>`)}</dl>
            ${(x.incidents || []).length ? html`<h2>${t("indicator.incidents")}</h2>
                <ul>${x.incidents.map((id) => html`<li><a href=${`/incidents/${id}`}><code>${id}</code></a></li>`)}</ul>` : null}`;
    }
}

export class IndicatorList extends ListPage {
    endpoint = "/indicators";
    filters = ["q", "type", "tlp", "incident", "active", "cursor"];

    render({ query: q }, { page, error, orgs }) {
        return html`
            <${Heading} text=${t("indicators.title")} />
            <p><a class="button" href=${q.get("incident") ? `/indicators/new?incident=${q.get("incident")}` : "/indicators/new"}>${t("indicators.paste")}</a>
                ${" "}<a href="/import">${t("import.title")}</a></p>
            <${Downloads} endpoint="/indicators" filters=${pick(q, this.filters.filter((n) => n !== "cursor"))} />
            <form class="filters" onSubmit=${this.filter} aria-label=${t("list.filters")}>
                <${Field} name="q" type="search" label=${t("list.search")} value=${q.get("q")} hint=${t("indicators.q_hint")} />
                <${Field} name="type" label=${t("indicator.type")} value=${q.get("type")} options=${options("itype", TYPES, t("list.any"))} />
                <${Field} name="tlp" label=${t("tlp.label")} value=${q.get("tlp")} options=${options("tlp", TLPS, t("list.any"))} />
                <${Field} name="active" type="checkbox" label=${t("indicators.only_active")} value=${q.get("active") === "true"} />
                ${q.get("incident") ? html`<input type="hidden" name="incident" value=${q.get("incident")} />` : null}
                <button type="submit">${t("list.apply")}</button>
            </form>
            ${this.body(page, error, page && html`<table>
                <caption class="visually-hidden">${t("indicators.title")}</caption>
                <thead><tr><th scope="col">${t("indicator.value")}</th><th scope="col">${t("indicator.type")}</th>
                    <th scope="col">${t("indicator.source")}</th><th scope="col">${t("tlp.label")}</th>
                    <th scope="col">${t("indicator.confidence")}</th><th scope="col">${t("indicator.last_seen")}</th></tr></thead>
                <tbody>${page.items.map((i) => html`<tr>
                    <td><a href=${`/indicators/${i.id}`}><code>${i.value}</code></a>${i.exercise ? html`<${ExerciseMark} id=${i.exercise} />` : null}</td><td>${tv("itype", i.type)}</td><td>${orgName(orgs, i.source)}</td>
                    <td><${Tlp} tlp=${i.tlp} /></td><td>${i.confidence}</td>
                    <td><time datetime=${i.last_seen}>${formatTime(i.last_seen)}</time></td>
                </tr>`)}</tbody></table>`)}`;
    }
}

export class IncidentPage extends Component {
    constructor() {
        super();
        this.state = { i: null, indicators: null, error: null, noteError: null, editError: null, saved: false, orgs: null, busy: false,
            audience: null, audienceError: null };
        this.form = createRef();
        this.edit = createRef();
    }

    save = async (e) => {
        e.preventDefault();
        const v = formValues(this.edit.current);
        this.setState({ busy: true, editError: null, saved: false });
        try {
            await patch(`/incidents/${this.state.i.id}`, { status: v.status, impact: v.impact || null, norms: v.norms || [] });
            await this.load();
            this.setState({ busy: false, saved: true });
        } catch (editError) {
            this.setState({ busy: false, editError });
            focusError(this.edit.current, editError);
        }
    };

    componentDidMount() {
        this.load();
    }

    async load() {
        const id = encodeURIComponent(this.props.params.id);
        try {
            const [i, indicators, orgs, all] = await Promise.all([get(`/incidents/${id}`), get(`/incidents/${id}/indicators?limit=50`),
                organizations(), norms()]);
            this.setState({ i, indicators, orgs, all });
        } catch (error) {
            this.setState({ error });
            return;
        }
        try {
            this.setState({ audience: await get(`/incidents/${id}/audience`), audienceError: null });
        } catch (audienceError) {
            this.setState({ audienceError });
        }
    }

    note = async (e) => {
        e.preventDefault();
        const v = formValues(this.form.current);
        this.setState({ busy: true, noteError: null });
        try {
            await post(`/incidents/${this.state.i.id}/timeline`, { text: v.text || "" });
            this.form.current.reset();
            await this.load();
            this.setState({ busy: false });
        } catch (noteError) {
            this.setState({ busy: false, noteError });
            focusError(this.form.current, noteError);
        }
    };

    render({ user }, { i, indicators, error, noteError, editError, saved, orgs, busy, audience, audienceError, all }) {
        if (error) return html`<${Heading} text=${t("incident.title")} /><p class="error" role="alert">${errorText(error)}</p>`;
        if (!i) return html`<${Loading} />`;
        const facts = [["incident.organization", orgName(orgs, i.organization)], ["incident.status", tv("istatus", i.status)],
            ["incident.type", `${i.rsit_class} / ${i.rsit_type}`], ["incident.sector", i.sector || "—"],
            ["incident.impact", i.impact ? tv("impact", i.impact) : "—"], ["incident.state", (i.states || []).join(", ") || "—"],
            ["incident.occurred", formatTime(i.occurred)], ["tlp.label", html`<${Tlp} tlp=${i.tlp} />`],
            ["tlp.recipients", (i.recipients || []).map((r) => orgName(orgs, r)).join(", ") || "—"],
            ["incident.norms", html`<${NormLinks} letters=${i.norms} />`]];
        const items = indicators ? indicators.items || indicators : [];
        return html`
            <${Heading} text=${i.title} />
            ${i.exercise ? html`<${ExerciseMark} id=${i.exercise} block=${true} />` : null}
            <${Origin} origin=${i.origin} />
            <dl class="facts">${facts.map(([k, v]) => html`<dt>${t(k)}</dt><dd>${v}</dd>`)}</dl>
            ${i.description ? html`<p class="text">${i.description}</p>` : null}
            <section aria-labelledby="h-audience">
                <h2 id="h-audience">${t("incident.audience")}</h2>
                <${Audience} audience=${audience} error=${audienceError} label=${t("incident.audience")} />
            </section>
            ${!i.origin && user.role !== "viewer" && (user.role === "admin" || user.organization === i.organization) ? html`
            <section aria-labelledby="h-edit">
                <h2 id="h-edit">${t("incident.edit")}</h2>
                <form ref=${this.edit} onSubmit=${this.save} novalidate class="filters">
                    <${Field} name="status" label=${t("incident.status")} value=${i.status} error=${editError} options=${options("istatus", STATUSES)} />
                    <${Field} name="impact" label=${t("incident.impact")} value=${i.impact || ""} error=${editError} options=${options("impact", IMPACTS, t("list.none"))} />
                    <${NormBoxes} all=${all} value=${i.norms || []} error=${editError} />
                    <button type="submit" disabled=${busy}>${t("incident.save")}</button>
                </form>
                <${FormError} error=${editError} fields=${["status", "impact", "norms", ...(i.norms || []).map((_, k) => `norms[${k}]`)]} />
                ${saved ? html`<p role="status">${t("incident.saved")}</p>` : null}
            </section>` : null}
            <section aria-labelledby="h-timeline">
                <h2 id="h-timeline">${t("incident.timeline")}</h2>
                <ol class="thread">${(i.timeline || []).map((e) => html`<li><time datetime=${e.at}>${formatTime(e.at)}</time>
                    ${" "}<strong>${tv("tlkind", e.kind)}</strong> ${e.text || ""}</li>`)}</ol>
                ${i.origin ? null : html`<form ref=${this.form} onSubmit=${this.note} novalidate>
                    <${Field} name="text" type="textarea" label=${t("incident.note")} required=${true} error=${noteError} />
                    <${FormError} error=${noteError} fields=${["text"]} />
                    <button type="submit" disabled=${busy}>${t("incident.add_note")}</button>
                </form>`}
            </section>
            <section aria-labelledby="h-indicators">
                <h2 id="h-indicators">${t("indicators.title")}</h2>
                ${items.length ? html`<table><caption class="visually-hidden">${t("indicators.title")}</caption>
                    <thead><tr><th scope="col">${t("indicator.value")}</th><th scope="col">${t("indicator.type")}</th><th scope="col">${t("tlp.label")}</th></tr></thead>
                    <tbody>${items.map((x) => html`<tr><td><a href=${`/indicators/${x.id}`}><code>${x.value}</code></a></td><td>${tv("itype", x.type)}</td><td><${Tlp} tlp=${x.tlp} /></td></tr>`)}</tbody></table>
                    ${indicators.next ? html`<p><a href=${`/indicators?incident=${i.id}`}>${t("incident.all_indicators")}</a></p>` : null}`
                    : html`<p>${t("list.empty")}</p>`}
                ${i.origin ? null : html`<p><a href=${`/indicators/new?incident=${i.id}`}>${t("indicators.paste")}</a></p>`}
            </section>`;
    }
}

export class IncidentNew extends Component {
    constructor() {
        super();
        this.state = { tax: null, orgs: null, error: null, loadError: null, busy: false };
        this.form = createRef();
    }

    async componentDidMount() {
        try {
            const [tax, orgs, all] = await Promise.all([taxonomy(), organizations(), norms()]);
            this.setState({ tax, orgs, all });
        } catch (loadError) {
            this.setState({ loadError });
        }
    }

    submit = async (e) => {
        e.preventDefault();
        const v = formValues(this.form.current);
        const body = { ...v, allow_clients: !!v.allow_clients };
        if (v.states) body.states = v.states.split(/[\s,]+/).filter(Boolean).map((s) => s.toUpperCase());
        if (v.occurred) body.occurred = new Date(v.occurred).toISOString();
        this.setState({ busy: true, error: null });
        try {
            const i = await post("/incidents", body);
            navigate(`/incidents/${i.id}`);
        } catch (error) {
            this.setState({ busy: false, error });
            focusError(this.form.current, error);
        }
    };

    render(_, { tax, orgs, all, error, loadError, busy }) {
        if (loadError) return html`<${Heading} text=${t("incidents.new")} /><p class="error" role="alert">${errorText(loadError)}</p>`;
        if (!tax) return html`<${Loading} />`;
        const types = tax.rsit.classes.flatMap((c) => c.types.map((x) => ({ value: x.value, label: `${c.name}: ${x.name}` })));
        const names = ["title", "description", "rsit_type", "sector", "impact", "states", "occurred", "tlp", "recipients", "norms"];
        return html`
            <${Heading} text=${t("incidents.new")} />
            <form ref=${this.form} onSubmit=${this.submit} novalidate>
                <${Field} name="title" label=${t("incident.title_field")} required=${true} error=${error} />
                <${Field} name="description" type="textarea" label=${t("incident.description")} error=${error} />
                <${Field} name="rsit_type" label=${t("incident.type")} required=${true} error=${error}
                    options=${[{ value: "", label: t("list.choose") }, ...types]} />
                <${Field} name="sector" label=${t("incident.sector")} error=${error}
                    options=${[{ value: "", label: t("list.none") }, ...tax.nis2.sectors.map((s) => ({ value: s.value, label: tv("sector", s.value) }))]} />
                <${Field} name="impact" label=${t("incident.impact")} error=${error} options=${options("impact", IMPACTS, t("list.none"))} />
                <${Field} name="states" label=${t("incident.state")} error=${error} hint=${t("form.states_hint")} />
                <${Field} name="occurred" type="datetime-local" label=${t("incident.occurred")} error=${error} />
                <${NormBoxes} all=${all} error=${error} />
                <${TlpPicker} error=${error} value="amber" recipients=${true} orgs=${orgs} audience=${true} />
                <${FormError} error=${error} fields=${names} />
                <button type="submit" disabled=${busy}>${t("incidents.create")}</button>
            </form>`;
    }
}

/* The indicator type a pasted value looks like; the server checks the value itself. */
export function detectType(v) {
    if (/^AS\d+$/i.test(v)) return "asn";
    if (/^[0-9a-f]{32}$/i.test(v)) return "md5";
    if (/^[0-9a-f]{40}$/i.test(v)) return "sha1";
    if (/^[0-9a-f]{64}$/i.test(v)) return "sha256";
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) return "url";
    if (/^[^@\s]+@[^@\s]+$/.test(v)) return "email";
    if (/^\d{1,3}(\.\d{1,3}){3}$/.test(v)) return "ipv4";
    if (/^[0-9a-f:.]*:[0-9a-f:.]*$/i.test(v)) return "ipv6";
    if (/^[0-9a-f:.]+\/\d{1,3}$/i.test(v)) return "cidr";
    return "domain";
}

/* Many indicators pasted at once, one per line, sent as one all-or-nothing bulk call;
   a refused line's error is shown in place, under the box, with its line number. */
export class IndicatorNew extends Component {
    constructor() {
        super();
        this.state = { orgs: null, error: null, lineErrors: [], done: null, busy: false, preview: [] };
        this.form = createRef();
        this.result = createRef();
    }

    async componentDidMount() {
        try {
            this.setState({ orgs: await organizations() });
        } catch (error) {
            this.setState({ error });
        }
    }

    lines(text) {
        return String(text || "").split("\n").map((l, i) => ({ line: i + 1, value: l.trim() })).filter((l) => l.value);
    }

    preview = (e) => {
        this.setState({ preview: this.lines(e.target.value).slice(0, 200).map((l) => ({ ...l, type: detectType(l.value) })) });
    };

    submit = async (e) => {
        e.preventDefault();
        const v = formValues(this.form.current);
        const lines = this.lines(v.values);
        const incident = this.props.query.get("incident");
        const common = { tlp: v.tlp, allow_clients: !!v.allow_clients };
        if (v.recipients) common.recipients = v.recipients;
        if (v.confidence) common.confidence = Number(v.confidence);
        if (incident) common.incidents = [incident];
        this.setState({ busy: true, error: null, lineErrors: [], done: null });
        try {
            if (!lines.length) throw new ApiErrorLike("values", t("indicators.paste_empty"));
            const r = await post("/indicators/bulk", { items: lines.map((l) => ({ type: detectType(l.value), value: l.value, ...common })) });
            this.setState({ busy: false, done: r });
            this.result.current && this.result.current.focus();
        } catch (error) {
            const items = (error.body && error.body.items) || [];
            const lineErrors = items.map((it) => ({ line: lines[it.index] ? lines[it.index].line : it.index + 1,
                value: lines[it.index] ? lines[it.index].value : "", message: it.message }));
            const shown = lineErrors.length ? { ...error, field: "values", message: t("indicators.paste_refused", { n: lineErrors.length }) } : error;
            this.setState({ busy: false, error: shown, lineErrors });
            focusError(this.form.current, shown);
        }
    };

    render({ query: q }, { orgs, error, lineErrors, done, busy, preview }) {
        if (!orgs) return error ? html`<${Heading} text=${t("indicators.paste")} /><p class="error" role="alert">${errorText(error)}</p>` : html`<${Loading} />`;
        const incident = q.get("incident");
        return html`
            <${Heading} text=${t("indicators.paste")} />
            ${incident ? html`<p>${t("indicators.for_incident")} <a href=${`/incidents/${incident}`}>${incident}</a></p>` : null}
            <form ref=${this.form} onSubmit=${this.submit} novalidate>
                <div class="field">
                    <label for="f-values">${t("indicators.paste_label")}</label>
                    <textarea id="f-values" name="values" rows="10" onInput=${this.preview}
                        aria-invalid=${error && error.field === "values" ? "true" : undefined}
                        aria-describedby=${`f-values-hint${error && error.field === "values" ? " f-values-error" : ""}`}></textarea>
                    <p class="hint" id="f-values-hint">${t("indicators.paste_hint")}</p>
                    ${error && error.field === "values" ? html`<div class="error" id="f-values-error"><p>${errorText(error)}</p>
                        ${lineErrors.length ? html`<ul>${lineErrors.map((l) => html`<li>${t("indicators.line_error", { line: l.line, value: l.value, message: l.message })}</li>`)}</ul>` : null}</div>` : null}
                </div>
                ${preview.length ? html`<details><summary>${t("indicators.detected", { n: preview.length })}</summary>
                    <ul>${preview.map((l) => html`<li>${t("indicators.detected_line", { line: l.line, type: tv("itype", l.type), value: l.value })}</li>`)}</ul></details>` : null}
                <${Field} name="confidence" type="number" label=${t("indicator.confidence")} value="50" error=${error} hint=${t("indicators.confidence_hint")} />
                <${TlpPicker} error=${error} value="amber" recipients=${true} orgs=${orgs} audience=${true} />
                <${FormError} error=${error} fields=${["values", "confidence", "tlp", "recipients"]} />
                <p role="status" tabindex="-1" ref=${this.result}>${done ? t("indicators.pasted", { created: done.created, merged: done.merged, unchanged: done.unchanged }) : ""}</p>
                ${done ? html`<p><a href=${incident ? `/indicators?incident=${incident}` : "/indicators"}>${t("indicators.title")}</a></p>` : null}
                <button type="submit" disabled=${busy}>${t("indicators.share")}</button>
            </form>`;
    }
}

/* A form-level error made in the page (no call was made). */
class ApiErrorLike extends Error {
    constructor(field, message) {
        super(message);
        this.status = 400;
        this.field = field;
    }
}
