// The national survey of implementation: a state's answers in four parts (international
// law, the eleven norms, CBMs, capacity-building), no question mandatory, each save a
// draft kept as a version to come back to, a printable page, and publication into the
// policy library as a TLP:CLEAR document.
import { html, Component, createRef } from "../lib.js";
import { t, language, formatTime } from "../i18n.js";
import { get, post, patch } from "../api.js";
import { navigate } from "../router.js";
import { Heading, Field, FormError, focusError, formValues, Loading, errorText } from "../ui.js";
import { norms } from "./library.js";

const PARTS = [["international_law", "survey.part1", "survey.part1_hint"], [null, "survey.part2", "survey.part2_hint"],
    ["cbms", "survey.part3", "survey.part3_hint"], ["capacity_building", "survey.part4", "survey.part4_hint"]];
const LETTERS = "abcdefghijk".split("");
const ANSWERS = ["international_law", ...LETTERS.map((l) => `norm_${l}`), "cbms", "capacity_building"];

const normTitle = (n) => (language() === "ja" ? n.title_ja : n.title);
const surveyTitle = (s) => t("survey.title", { state: s.state || "—", period: s.period || "—" });

export class SurveyList extends Component {
    constructor() {
        super();
        this.state = { items: null, error: null, startError: null, busy: false };
        this.form = createRef();
    }

    async componentDidMount() {
        try {
            this.setState({ items: (await get("/surveys?limit=1000")).items });
        } catch (error) {
            this.setState({ error });
        }
    }

    start = async (e) => {
        e.preventDefault();
        const v = formValues(this.form.current);
        this.setState({ busy: true, startError: null });
        try {
            const s = await post("/surveys", v.period ? { period: v.period } : {});
            navigate(`/surveys/${s.id}`);
        } catch (startError) {
            this.setState({ busy: false, startError });
            focusError(this.form.current, startError);
        }
    };

    render({ user }, { items, error, startError, busy }) {
        return html`
            <${Heading} text=${t("survey.list_title")} />
            <p>${t("survey.intro")}</p>
            ${user.role !== "viewer" ? html`<form ref=${this.form} onSubmit=${this.start} novalidate class="filters" aria-label=${t("survey.start")}>
                <${Field} name="period" label=${t("survey.period")} hint=${t("survey.period_hint")} error=${startError} />
                <button type="submit" disabled=${busy}>${t("survey.start")}</button>
                <${FormError} error=${startError} fields=${["period"]} />
            </form>` : null}
            ${error ? html`<p class="error" role="alert">${errorText(error)}</p>` : !items ? html`<${Loading} />`
                : items.length ? html`<table>
                    <caption class="visually-hidden">${t("survey.list_title")}</caption>
                    <thead><tr><th scope="col">${t("survey.survey")}</th><th scope="col">${t("survey.version")}</th>
                        <th scope="col">${t("survey.modified")}</th><th scope="col">${t("survey.in_library")}</th></tr></thead>
                    <tbody>${items.map((s) => html`<tr>
                        <td><a href=${`/surveys/${s.id}`}>${surveyTitle(s)}</a></td><td>${s.version}</td>
                        <td><time datetime=${s.modified}>${formatTime(s.modified)}</time></td>
                        <td>${s.document ? html`<a href=${`/library/${s.document}`}>${t("survey.document_link")}</a>` : t("survey.not_published")}</td>
                    </tr>`)}</tbody></table>` : html`<p>${t("survey.none")}</p>`}`;
    }
}

export class SurveyPage extends Component {
    constructor() {
        super();
        this.state = { s: null, latest: null, versions: null, all: null, error: null, formError: null, busy: false,
            saved: null, published: null };
        this.form = createRef();
        this.result = createRef();
    }

    componentDidMount() {
        this.load();
    }

    async load() {
        const id = encodeURIComponent(this.props.params.id);
        const version = this.props.query.get("version");
        try {
            const [latest, versions, all] = await Promise.all([get(`/surveys/${id}`), get(`/surveys/${id}/versions?limit=1000`), norms()]);
            const s = version && Number(version) !== latest.version ? await get(`/surveys/${id}?version=${encodeURIComponent(version)}`) : latest;
            this.setState({ s, latest, versions: versions.items, all });
        } catch (error) {
            this.setState({ error });
        }
    }

    /* The form's answers as a patch: every answer, an empty one cleared (null). */
    body() {
        const v = formValues(this.form.current);
        const out = {};
        for (const name of ANSWERS) out[name] = v[name] ? v[name] : null;
        if (v.period) out.period = v.period;
        if (v.state) out.state = v.state.toUpperCase();
        return out;
    }

    /* Whether the form says anything the latest version does not. */
    changed(body) {
        return Object.entries(body).some(([k, v]) => (this.state.latest[k] ?? null) !== v) || this.state.s !== this.state.latest;
    }

    async save() {
        const s = await patch(`/surveys/${this.state.latest.id}`, this.body());
        const versions = (await get(`/surveys/${s.id}/versions?limit=1000`)).items;
        this.setState({ s, latest: s, versions });
        return s;
    }

    done(state) {
        this.setState({ busy: false, ...state }, () => this.result.current && this.result.current.focus());
    }

    failed(formError) {
        this.setState({ busy: false, formError });
        focusError(this.form.current, formError);
    }

    submit = async (e) => {
        e.preventDefault();
        this.setState({ busy: true, formError: null, saved: null, published: null });
        try {
            const s = await this.save();
            if (this.props.query.get("version")) history.replaceState(null, "", `/surveys/${s.id}`);
            this.done({ saved: s.version });
        } catch (formError) {
            this.failed(formError);
        }
    };

    publish = async () => {
        this.setState({ busy: true, formError: null, saved: null, published: null });
        try {
            if (this.changed(this.body())) await this.save();
            const doc = await post(`/surveys/${this.state.latest.id}/publish`);
            const latest = await get(`/surveys/${this.state.latest.id}`);
            this.setState({ s: latest, latest });
            this.done({ published: doc });
        } catch (formError) {
            this.failed(formError);
        }
    };

    answer(name, label, hint, s, error, disabled) {
        return html`<${Field} name=${name} type="textarea" rows=${5} label=${label} hint=${hint} value=${s[name] || ""} error=${error} disabled=${disabled} />`;
    }

    part([field, heading, hint], s, all, error, disabled) {
        const id = `h-${heading.replace(".", "-")}`;
        return html`<section aria-labelledby=${id}>
            <h2 id=${id}>${t(heading)}</h2>
            ${field ? this.answer(field, t(heading), t(hint), s, error, disabled) : html`<p>${t(hint)}</p>
                ${all.map((n) => this.answer(`norm_${n.letter}`, `${t("norms.letter", { letter: n.letter })} ${normTitle(n)}`,
                    t("survey.norm_hint"), s, error, disabled))}`}
        </section>`;
    }

    render({ user }, { s, latest, versions, all, error, formError, busy, saved, published }) {
        if (error) return html`<${Heading} text=${t("survey.list_title")} /><p class="error" role="alert">${errorText(error)}</p>`;
        if (!s) return html`<${Loading} />`;
        const readOnly = user.role === "viewer";
        const old = s.version !== latest.version;
        const print = `/api/v1/surveys/${s.id}/print?lang=${language()}${old ? `&version=${s.version}` : ""}`;
        const names = ["state", "period", ...ANSWERS];
        return html`
            <${Heading} text=${surveyTitle(s)} />
            <p><a href="/surveys">${t("survey.list_title")}</a></p>
            ${old ? html`<p class="notice">${t("survey.old_version", { version: s.version })}
                ${" "}<a href=${`/surveys/${s.id}`}>${t("survey.latest")}</a></p>` : null}
            <p>${t("survey.optional")}</p>
            <form ref=${this.form} onSubmit=${this.submit} novalidate>
                <div class="filters">
                    <${Field} name="state" label=${t("document.state")} value=${s.state} hint=${t("form.state_hint")} error=${formError} disabled=${readOnly} />
                    <${Field} name="period" label=${t("survey.period")} value=${s.period} hint=${t("survey.period_hint")} error=${formError} disabled=${readOnly} />
                </div>
                ${PARTS.map((p) => this.part(p, s, all, formError, readOnly))}
                <${FormError} error=${formError} fields=${names} />
                ${readOnly ? null : html`<p class="actions">
                    <button type="submit" disabled=${busy}>${t("survey.save")}</button>
                    ${" "}<button type="button" onClick=${this.publish} disabled=${busy}>${t("survey.publish")}</button></p>`}
                <p role="status" tabindex="-1" ref=${this.result}>${saved ? t("survey.saved", { version: saved }) : ""}
                    ${published ? html`${t("survey.published_as", { version: published.version })} <a href=${`/library/${published.id}`}>${t("survey.document_link")}</a>` : ""}</p>
            </form>
            <p>${t("survey.publish_intro")}</p>
            <p><a href=${print} target="_blank" rel="noopener">${t("survey.print")}</a>
                ${latest.document ? html`${" · "}<a href=${`/library/${latest.document}`}>${t("survey.document_link")}</a>` : null}</p>
            <section aria-labelledby="h-versions">
                <h2 id="h-versions">${t("survey.versions")}</h2>
                <ol class="versions">${[...versions].reverse().map((v) => html`<li>
                    <a href=${`/surveys/${v.id}?version=${v.version}`} aria-current=${v.version === s.version ? "page" : undefined}>${t("survey.version_line", { version: v.version })}</a>
                    ${" "}<time datetime=${v.modified}>${formatTime(v.modified)}</time></li>`)}</ol>
            </section>`;
    }
}
