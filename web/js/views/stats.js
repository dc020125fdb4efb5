// Statistics: communication checks per state, requests per counterpart state, victims
// of matched indicators per period with the change against the previous one — tables
// with a chart each, filters in the URL.
import { html, Component } from "../lib.js";
import { t, tv, formatNumber } from "../i18n.js";
import { get, query } from "../api.js";
import { navigate, withQuery } from "../router.js";
import { Heading, Field, formValues, options, Loading, errorText } from "../ui.js";
import { Bars } from "./chart.js";

const PERIODS = ["day", "week", "month", "quarter", "half-year", "year"];
const BY = ["total", "class", "sector", "source", "type"];
const pct = (x) => (x === null || x === undefined ? "—" : formatNumber(x, { style: "percent", maximumFractionDigits: 0 }));
const hours = (s) => (s === null || s === undefined ? "—" : t("stats.hours", { n: formatNumber(s / 3600, { maximumFractionDigits: 1 }) }));

async function settle(p) {
    try {
        return [await p, null];
    } catch (e) {
        return [null, e];
    }
}

export class Statistics extends Component {
    constructor() {
        super();
        this.state = { checks: null, requests: null, victims: null, errors: {} };
    }

    async componentDidMount() {
        const q = this.props.query;
        const since = q.get("since") ? new Date(q.get("since")).toISOString() : "";
        const [checks, ce] = await settle(get(`/stats/checks${query({ since })}`));
        const [requests, re] = await settle(get(`/stats/requests${query({ since, box: q.get("box") })}`));
        const [victims, ve] = await settle(get(`/stats/victims${query({ period: q.get("period"), by: q.get("by") })}`));
        this.setState({ checks, requests, victims, errors: { checks: ce, requests: re, victims: ve } });
    }

    filter = (e) => {
        e.preventDefault();
        const v = formValues(e.target);
        navigate(withQuery({ since: v.since || "", box: v.box || "", period: v.period || "", by: v.by || "" }));
    };

    section(id, data, error, body) {
        return html`<section aria-labelledby=${`h-${id}`}>
            <h2 id=${`h-${id}`}>${t(`stats.${id}`)}</h2>
            ${error ? html`<p class="error" role="alert">${errorText(error)}</p>` : !data ? html`<${Loading} />` : body()}
        </section>`;
    }

    render({ query: q }, { checks, requests, victims, errors }) {
        return html`
            <${Heading} text=${t("stats.title")} />
            <form class="filters" onSubmit=${this.filter} aria-label=${t("list.filters")}>
                <${Field} name="since" type="date" label=${t("stats.since")} value=${q.get("since")} />
                <${Field} name="box" label=${t("requests.box")} value=${q.get("box")}
                    options=${[{ value: "", label: t("requests.all") }, { value: "inbox", label: t("requests.inbox") }, { value: "outbox", label: t("requests.outbox") }]} />
                <${Field} name="period" label=${t("stats.period")} value=${q.get("period") || "month"} options=${options("period", PERIODS)} />
                <${Field} name="by" label=${t("stats.by")} value=${q.get("by") || "total"} options=${options("by", BY)} />
                <button type="submit">${t("list.apply")}</button>
            </form>
            ${this.section("checks", checks, errors.checks, () => !checks.states.length ? html`<p>${t("list.empty")}</p>` : html`
                <table><caption class="visually-hidden">${t("stats.checks")}</caption>
                    <thead><tr><th scope="col">${t("contact.state")}</th><th scope="col">${t("check.invited")}</th><th scope="col">${t("check.answered")}</th>
                        <th scope="col">${t("check.late")}</th><th scope="col">${t("stats.answer_rate")}</th><th scope="col">${t("stats.median")}</th><th scope="col">${t("stats.p90")}</th></tr></thead>
                    <tbody>${checks.states.map((s) => html`<tr><th scope="row">${s.state}</th><td>${s.contacts}</td><td>${s.answered}</td><td>${s.late}</td>
                        <td>${pct(s.answer_rate)}</td><td>${hours(s.median_seconds)}</td><td>${hours(s.p90_seconds)}</td></tr>`)}</tbody>
                </table>
                <${Bars} label=${t("stats.answer_rate")} max=${1} rows=${checks.states.map((s) => ({ label: s.state, value: s.answer_rate, text: pct(s.answer_rate) }))} />`)}
            ${this.section("requests", requests, errors.requests, () => !requests.states.length ? html`<p>${t("list.empty")}</p>` : html`
                <table><caption class="visually-hidden">${t("stats.requests")}</caption>
                    <thead><tr><th scope="col">${t("contact.state")}</th><th scope="col">${t("stats.sent")}</th><th scope="col">${t("stats.in_time")}</th>
                        <th scope="col">${t("stats.median_ack")}</th><th scope="col">${t("check.answered")}</th><th scope="col">${t("stats.open")}</th><th scope="col">${t("request.overdue")}</th></tr></thead>
                    <tbody>${requests.states.map((s) => html`<tr><th scope="row">${s.state}</th><td>${s.sent}</td><td>${pct(s.in_time_share)}</td>
                        <td>${hours(s.median_seconds_to_acknowledge)}</td><td>${s.answered}</td><td>${s.open}</td><td>${s.overdue}</td></tr>`)}</tbody>
                </table>
                <${Bars} label=${t("stats.sent")} rows=${requests.states.map((s) => ({ label: s.state, value: s.sent, text: formatNumber(s.sent) }))} />`)}
            ${this.section("victims", victims, errors.victims, () => !victims.rows.length ? html`<p>${t("list.empty")}</p>` : html`
                <table><caption class="visually-hidden">${t("stats.victims")}</caption>
                    <thead><tr><th scope="col">${t("stats.period")}</th><th scope="col">${t("stats.group")}</th><th scope="col">${t("stats.victim_count")}</th>
                        <th scope="col">${t("stats.previous")}</th><th scope="col">${t("stats.change")}</th></tr></thead>
                    <tbody>${victims.rows.map((r) => html`<tr><th scope="row">${r.period}</th><td>${r.group ?? "—"}</td><td>${formatNumber(r.victims)}</td>
                        <td>${r.previous === null ? "—" : formatNumber(r.previous)}</td><td>${r.change_pct === null ? "—" : `${formatNumber(r.change_pct, { maximumFractionDigits: 1, signDisplay: "always" })} %`}</td></tr>`)}</tbody>
                </table>
                <${Bars} label=${t("stats.victims")} rows=${victims.rows.map((r) => ({ label: `${r.period}${r.group ? ` ${r.group}` : ""}`, value: r.victims, text: formatNumber(r.victims) }))} />`)}`;
    }
}
