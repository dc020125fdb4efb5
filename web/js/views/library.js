// The norms and the policy library: the eleven norms, a norm's page with what links to
// it (requests and documents the viewer may see, with counts per state and year), the
// library's search in any language, and states compared side by side by norm or topic.
import { html, Component } from "../lib.js";
import { t, tv, language, formatTime } from "../i18n.js";
import { get, query } from "../api.js";
import { navigate, pick, withQuery } from "../router.js";
import { Heading, Field, options, Tlp, Pager, Loading, errorText, formValues } from "../ui.js";

const TYPES = ["strategy", "law", "regulation", "policy", "position-international-law", "un-submission", "cbm-report",
    "national-survey"];
const STATUSES = ["draft", "in-progress", "in-force", "amended", "superseded", "repealed"];
const TOPICS = ["legal", "technical", "organizational", "capacity-development", "cooperation", "international-law",
    "norms", "cbms", "capacity-building"];
const LETTERS = "abcdefghijk".split("");
const RELATIONS = ["amends", "supersedes", "implements"];

const normTitle = (n) => (language() === "ja" ? n.title_ja : n.title);
const docTitle = (d) => (language() === "en" && d.title_en ? d.title_en : d.title);

/* A view that loads one thing on mount and shows an error or "loading" until then. */
class Loaded extends Component {
    constructor() {
        super();
        this.state = { data: null, error: null };
    }

    async componentDidMount() {
        try {
            this.setState({ data: await this.load() });
        } catch (error) {
            this.setState({ error });
        }
    }

    body(data, error, fn) {
        if (error) return html`<p class="error" role="alert">${errorText(error)}</p>`;
        return data ? fn(data) : html`<${Loading} />`;
    }
}

let catalogue = null;
/* The eleven norms, fetched once. */
export function norms() {
    if (!catalogue) catalogue = get("/norms").then((r) => r.items).catch((e) => { catalogue = null; throw e; });
    return catalogue;
}

/* The norms as checkboxes named "norms", for forms that link a thing to norms; an API
   error about "norms[1]" is an error of this group. */
export function NormBoxes({ all, value = [], error }) {
    const err = error && error.field && /^norms(\[\d+\])?$/.test(error.field) ? error : null;
    return html`<fieldset class="norm-boxes" aria-describedby=${err ? "f-norms-error" : undefined}>
        <legend>${t("incident.norms")}</legend>
        ${(all || []).map((n) => html`<div class="field check">
            <input type="checkbox" id=${`f-norms-${n.letter}`} name="norms" value=${n.letter} defaultChecked=${value.includes(n.letter)} />
            <label for=${`f-norms-${n.letter}`}>${t("norms.letter", { letter: n.letter })} ${normTitle(n)}</label></div>`)}
        ${err ? html`<p class="error" id="f-norms-error">${errorText(err)}</p>` : null}
    </fieldset>`;
}

/* Links to the norms' pages, "(f) (h)". */
export function NormLinks({ letters }) {
    if (!letters || !letters.length) return "—";
    return letters.map((l, i) => html`${i ? " " : ""}<a href=${`/norms/${l}`}>${t("norms.letter", { letter: l })}</a>`);
}

export class NormList extends Loaded {
    load = () => get("/norms");

    render(_, { data, error }) {
        return html`
            <${Heading} text=${t("norms.title")} />
            <p>${t("norms.intro")}</p>
            ${this.body(data, error, (d) => html`<ol class="norms">${d.items.map((n) => html`<li>
                <a href=${`/norms/${n.letter}`}>${t("norms.letter", { letter: n.letter })} ${normTitle(n)}</a>
                <p lang="en">${n.text}</p></li>`)}</ol>`)}`;
    }
}

function DocumentTable({ items, caption }) {
    if (!items.length) return html`<p>${t("list.empty")}</p>`;
    return html`<table>
        <caption class="visually-hidden">${caption}</caption>
        <thead><tr><th scope="col">${t("document.title_field")}</th><th scope="col">${t("document.state")}</th>
            <th scope="col">${t("document.type")}</th><th scope="col">${t("document.status")}</th>
            <th scope="col">${t("document.norms")}</th><th scope="col">${t("tlp.label")}</th></tr></thead>
        <tbody>${items.map((d) => html`<tr>
            <td><a href=${`/library/${d.id}`}>${docTitle(d)}</a></td><td>${d.state}</td>
            <td>${tv("doctype", d.type)}</td><td>${tv("docstatus", d.status)}</td>
            <td>${d.norms.map((l) => t("norms.letter", { letter: l })).join(" ")}</td><td><${Tlp} tlp=${d.tlp} /></td>
        </tr>`)}</tbody></table>`;
}

export class NormPage extends Loaded {
    load = () => get(`/norms/${encodeURIComponent(this.props.params.letter)}`);

    render(_, { data, error }) {
        const heading = data ? `${t("norms.letter", { letter: data.letter })} ${normTitle(data)}` : t("norms.title");
        return html`
            <${Heading} text=${heading} />
            ${this.body(data, error, (n) => html`
                <blockquote lang="en"><p>${n.text}</p></blockquote>
                <p>${t("norms.source", { symbol: n.source.symbol, paragraph: n.letter })}
                    ${" "}${t("norms.guidance", { symbol: n.guidance.symbol })}</p>
                <h2>${t("norms.requests")}</h2>
                ${n.counts.requests.length ? html`<table>
                    <caption>${t("norms.counts_caption")}</caption>
                    <thead><tr><th scope="col">${t("document.state")}</th><th scope="col">${t("norms.year")}</th>
                        <th scope="col">${t("norms.sent")}</th><th scope="col">${t("norms.received")}</th>
                        <th scope="col">${t("norms.answered")}</th></tr></thead>
                    <tbody>${n.counts.requests.map((k) => html`<tr><td>${k.state}</td><td>${k.year}</td>
                        <td>${k.sent}</td><td>${k.received}</td><td>${k.answered}</td></tr>`)}</tbody></table>` : null}
                ${n.requests.length ? html`<ul>${n.requests.map((q) => html`<li>
                    <a href=${`/requests/${q.id}`}>${q.subject}</a> ${t("norms.request_line", { from: q.from_state, to: q.to_state })}
                    ${" "}${tv("status", q.status)} <time datetime=${q.sent_at}>${formatTime(q.sent_at)}</time></li>`)}</ul>`
                    : html`<p>${t("list.empty")}</p>`}
                <h2>${t("norms.incidents")}</h2>
                ${n.counts.incidents.length ? html`<table>
                    <caption>${t("norms.incident_counts_caption")}</caption>
                    <thead><tr><th scope="col">${t("document.state")}</th><th scope="col">${t("norms.year")}</th>
                        <th scope="col">${t("norms.reported")}</th><th scope="col">${t("norms.affected")}</th></tr></thead>
                    <tbody>${n.counts.incidents.map((k) => html`<tr><td>${k.state}</td><td>${k.year}</td>
                        <td>${k.reported}</td><td>${k.affected}</td></tr>`)}</tbody></table>` : null}
                ${n.incidents.length ? html`<ul class="norm-incidents">${n.incidents.map((x) => html`<li>
                    <a href=${`/incidents/${x.id}`}>${x.title}</a> ${t("norms.incident_line", { state: x.reporter_state, states: x.states.join(", ") || "—" })}
                    ${" "}${tv("istatus", x.status)} <${Tlp} tlp=${x.tlp} /> <time datetime=${x.occurred}>${formatTime(x.occurred)}</time></li>`)}</ul>`
                    : html`<p>${t("list.empty")}</p>`}
                <h2>${t("norms.documents")}</h2>
                <${DocumentTable} items=${n.documents} caption=${t("norms.documents")} />
                <p><a href=${`/library/compare?norm=${n.letter}`}>${t("library.compare_norm")}</a></p>`)}`;
    }
}

export class Library extends Loaded {
    filters = ["q", "state", "type", "status", "topic", "norm", "cursor"];
    load = () => get(`/documents${query({ ...pick(this.props.query, this.filters), limit: 50 })}`);

    filter = (e) => {
        e.preventDefault();
        const v = formValues(e.target);
        const changes = { cursor: "" };
        for (const n of this.filters) if (n !== "cursor") changes[n] = v[n] || "";
        navigate(withQuery(changes));
    };

    render({ query: q }, { data, error }) {
        return html`
            <${Heading} text=${t("library.title")} />
            <p><a href="/library/compare">${t("library.compare")}</a> · <a href="/surveys">${t("survey.list_title")}</a></p>
            <form class="filters" role="search" onSubmit=${this.filter} aria-label=${t("list.filters")}>
                <${Field} name="q" type="search" label=${t("list.search")} value=${q.get("q")} hint=${t("library.q_hint")} />
                <${Field} name="state" label=${t("document.state")} value=${q.get("state")} hint=${t("form.state_hint")} />
                <${Field} name="type" label=${t("document.type")} value=${q.get("type")} options=${options("doctype", TYPES, t("list.any"))} />
                <${Field} name="status" label=${t("document.status")} value=${q.get("status")} options=${options("docstatus", STATUSES, t("list.any"))} />
                <${Field} name="topic" label=${t("document.topic")} value=${q.get("topic")} options=${options("doctopic", TOPICS, t("list.any"))} />
                <${Field} name="norm" label=${t("document.norm")} value=${q.get("norm")} options=${[{ value: "", label: t("list.any") },
                    ...LETTERS.map((l) => ({ value: l, label: t("norms.letter", { letter: l }) }))]} />
                <button type="submit">${t("list.apply")}</button>
            </form>
            ${this.body(data, error, (d) => html`<${DocumentTable} items=${d.items} caption=${t("library.title")} />
                <${Pager} next=${d.next} />`)}`;
    }
}

export class DocumentPage extends Loaded {
    load = async () => {
        const id = encodeURIComponent(this.props.params.id);
        const [doc, versions] = await Promise.all([get(`/documents/${id}`), get(`/documents/${id}/versions`)]);
        return { doc, versions: versions.items };
    };

    render(_, { data, error }) {
        const d = data && data.doc;
        const row = (label, value) => (value ? html`<dt>${label}</dt><dd>${value}</dd>` : null);
        return html`
            <${Heading} text=${d ? docTitle(d) : t("library.title")} />
            ${this.body(data, error, ({ doc, versions }) => html`
                <dl class="facts">
                    ${row(t("document.original_title"), doc.title)}
                    ${row(t("document.state"), doc.state)}
                    ${row(t("document.issuing_body"), doc.issuing_body)}
                    ${row(t("document.type"), tv("doctype", doc.type))}
                    ${row(t("document.status"), tv("docstatus", doc.status))}
                    ${row(t("document.adopted"), doc.adopted)}
                    ${row(t("document.in_force"), doc.in_force)}
                    ${row(t("document.citation"), doc.citation)}
                    ${row(t("document.languages"), doc.languages.join(", "))}
                    ${row(t("document.translation"), tv("doctranslation", doc.translation))}
                    ${row(t("document.source_url"), doc.source_url && html`<a href=${doc.source_url} rel="noopener noreferrer">${doc.source_url}</a>`)}
                    ${RELATIONS.map((r) => row(t(`document.${r}`), doc[r].length && html`${doc[r].map((id) => html`<a href=${`/library/${id}`}>${id}</a> `)}`))}
                    ${row(t("document.norms"), doc.norms.map((l) => t("norms.letter", { letter: l })).join(" "))}
                    ${row(t("document.topics"), doc.topics.map((x) => tv("doctopic", x)).join(", "))}
                    ${row(t("tlp.label"), html`<${Tlp} tlp=${doc.tlp} />`)}
                    ${row(t("document.hash"), html`<code>${doc.hash}</code>`)}
                </dl>
                ${doc.summary ? html`<p>${doc.summary}</p>` : null}
                ${doc.sha256 ? html`<p><a href=${`/api/v1/documents/${doc.id}/file`} download>${t("document.download", { name: doc.file_name })}</a></p>` : null}
                <h2>${t("document.versions")}</h2>
                <ol>${versions.map((v) => html`<li>${t("document.version_line", { version: v.version })}
                    ${" "}<time datetime=${v.modified}>${formatTime(v.modified)}</time> ${tv("docstatus", v.status)}</li>`)}</ol>`)}`;
    }
}

/* ?states=JP,FR,DE&norm=h (or topic=legal): one column per state. */
export class LibraryCompare extends Loaded {
    load = () => {
        const q = this.props.query;
        if (!q.get("states") || (!q.get("norm") && !q.get("topic"))) return Promise.resolve({ states: [] });
        return get(`/documents/compare${query(pick(q, ["states", "norm", "topic"]))}`);
    };

    submit = (e) => {
        e.preventDefault();
        const v = formValues(e.target);
        navigate(withQuery({ states: (v.states || "").toUpperCase().replace(/\s+/g, ""), norm: v.norm || "", topic: v.norm ? "" : v.topic || "" }));
    };

    render({ query: q }, { data, error }) {
        const csv = `/api/v1/documents/compare${query({ ...pick(q, ["states", "norm", "topic"]), format: "csv" })}`;
        return html`
            <${Heading} text=${t("library.compare")} />
            <form class="filters" onSubmit=${this.submit} aria-label=${t("library.compare")}>
                <${Field} name="states" label=${t("library.states")} value=${q.get("states")} hint=${t("library.states_hint")} />
                <${Field} name="norm" label=${t("document.norm")} value=${q.get("norm")} options=${[{ value: "", label: t("list.any") },
                    ...LETTERS.map((l) => ({ value: l, label: t("norms.letter", { letter: l }) }))]} />
                <${Field} name="topic" label=${t("document.topic")} value=${q.get("topic")} options=${options("doctopic", TOPICS, t("list.any"))} />
                <button type="submit">${t("library.compare_button")}</button>
            </form>
            ${this.body(data, error, (d) => (d.states.length ? html`
                <table class="compare">
                    <caption>${d.by === "norm" ? t("library.by_norm", { letter: d.value }) : t("library.by_topic", { topic: tv("doctopic", d.value) })}</caption>
                    <thead><tr>${d.states.map((s) => html`<th scope="col">${s.state}</th>`)}</tr></thead>
                    <tbody><tr>${d.states.map((s) => html`<td>${s.documents.length ? html`<ul>${s.documents.map((x) => html`<li>
                        <a href=${`/library/${x.id}`}>${docTitle(x)}</a> (${tv("docstatus", x.status)})</li>`)}</ul>`
                        : t("library.none")}</td>`)}</tr></tbody>
                </table>
                <p><a href=${csv} download>${t("library.csv")}</a></p>` : null))}`;
    }
}
