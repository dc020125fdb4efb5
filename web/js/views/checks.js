// Communication checks: the list, starting one (by state and role, with a deadline),
// and a check's page where answers arrive — per-state results as a table and a bar
// chart, each invitation (with the node that hosts its contact: this one or a peer,
// which invites and takes the answer there), and answering for a contact of one's own
// organization.
import { html, Component, createRef } from "../lib.js";
import { t, tv, formatTime, formatNumber } from "../i18n.js";
import { get, post, query } from "../api.js";
import { navigate } from "../router.js";
import { organizations, orgName } from "../orgs.js";
import { Heading, Field, FormError, focusError, formValues, options, Pager, Loading, errorText } from "../ui.js";
import { ExerciseMark } from "../exercises.js";
import { Bars } from "./chart.js";

const ROLES = ["diplomatic", "technical", "law-enforcement-24x7", "csirt"];

export class CheckList extends Component {
    constructor() {
        super();
        this.state = { page: null, error: null, orgs: null };
    }

    async componentDidMount() {
        try {
            const [page, orgs] = await Promise.all([get(`/checks${query({ cursor: this.props.query.get("cursor"), limit: 50 })}`), organizations()]);
            this.setState({ page, orgs });
        } catch (error) {
            this.setState({ error });
        }
    }

    render(_, { page, error, orgs }) {
        return html`
            <${Heading} text=${t("checks.title")} />
            <p><a class="button" href="/checks/new">${t("checks.new")}</a></p>
            ${error ? html`<p class="error" role="alert">${errorText(error)}</p>` : !page ? html`<${Loading} />` : !page.items.length
                ? html`<p>${t("list.empty")}</p>` : html`
            <table><caption class="visually-hidden">${t("checks.title")}</caption>
                <thead><tr><th scope="col">${t("check.started")}</th><th scope="col">${t("check.by")}</th>
                    <th scope="col">${t("check.scope")}</th><th scope="col">${t("check.deadline")}</th></tr></thead>
                <tbody>${page.items.map((c) => html`<tr>
                    <td><a href=${`/checks/${c.id}`}>${formatTime(c.created)}</a>${c.exercise ? html`<${ExerciseMark} id=${c.exercise} />` : null}</td><td>${orgName(orgs, c.organization)}</td>
                    <td>${[c.state, c.role ? tv("role", c.role) : ""].filter(Boolean).join(" · ") || t("check.chosen")}</td>
                    <td><time datetime=${c.deadline}>${formatTime(c.deadline)}</time></td></tr>`)}</tbody>
            </table><${Pager} next=${page.next} />`}`;
    }
}

export class CheckNew extends Component {
    constructor() {
        super();
        this.state = { error: null, busy: false };
        this.form = createRef();
    }

    submit = async (e) => {
        e.preventDefault();
        const v = formValues(this.form.current);
        const body = {};
        if (v.state) body.state = v.state.toUpperCase();
        if (v.role) body.role = v.role;
        if (v.deadline_hours) body.deadline_hours = Number(v.deadline_hours);
        this.setState({ busy: true, error: null });
        try {
            const c = await post("/checks", body);
            navigate(`/checks/${c.id}`);
        } catch (error) {
            this.setState({ busy: false, error });
            focusError(this.form.current, error);
        }
    };

    render(_, { error, busy }) {
        return html`
            <${Heading} text=${t("checks.new")} />
            <p>${t("checks.new_text")}</p>
            <form ref=${this.form} onSubmit=${this.submit} novalidate>
                <${Field} name="state" label=${t("contact.state")} error=${error} hint=${t("form.state_hint")} />
                <${Field} name="role" label=${t("contact.role")} error=${error} options=${options("role", ROLES, t("list.any"))} />
                <${Field} name="deadline_hours" type="number" label=${t("check.deadline_hours")} value="72" error=${error} />
                <${FormError} error=${error} fields=${["state", "role", "deadline_hours"]} />
                <button type="submit" disabled=${busy}>${t("checks.start")}</button>
            </form>`;
    }
}

/* Per-state results of one check's invitations. */
export function perState(contacts) {
    const by = new Map();
    for (const c of contacts) {
        const s = by.get(c.state) || { state: c.state, invited: 0, answered: 0, late: 0 };
        s.invited += 1;
        if (c.answered) s.answered += 1;
        if (c.late) s.late += 1;
        by.set(c.state, s);
    }
    return [...by.values()].sort((a, b) => a.state.localeCompare(b.state));
}

export class CheckPage extends Component {
    constructor() {
        super();
        this.state = { c: null, error: null, actError: null, orgs: null };
    }

    componentDidMount() {
        this.load();
    }

    async load() {
        try {
            const [c, orgs] = await Promise.all([get(`/checks/${encodeURIComponent(this.props.params.id)}`), organizations()]);
            this.setState({ c, orgs });
        } catch (error) {
            this.setState({ error });
        }
    }

    answerFor = async (contact) => {
        this.setState({ actError: null });
        try {
            await post(`/checks/${this.state.c.id}/acknowledge`, { contact });
            await this.load();
        } catch (actError) {
            this.setState({ actError });
        }
    };

    render({ user }, { c, error, actError, orgs }) {
        if (error) return html`<${Heading} text=${t("check.title")} /><p class="error" role="alert">${errorText(error)}</p>`;
        if (!c) return html`<${Loading} />`;
        const states = perState(c.contacts);
        return html`
            <${Heading} text=${t("check.title_at", { time: formatTime(c.created) })} />
            ${c.exercise ? html`<${ExerciseMark} id=${c.exercise} block=${true} />` : null}
            <p>${t("check.summary", { answered: c.contacts.filter((x) => x.answered).length, invited: c.contacts.length, deadline: formatTime(c.deadline) })}</p>
            <section aria-labelledby="h-states">
                <h2 id="h-states">${t("check.per_state")}</h2>
                <table><caption class="visually-hidden">${t("check.per_state")}</caption>
                    <thead><tr><th scope="col">${t("contact.state")}</th><th scope="col">${t("check.invited")}</th>
                        <th scope="col">${t("check.answered")}</th><th scope="col">${t("check.late")}</th></tr></thead>
                    <tbody>${states.map((s) => html`<tr><th scope="row">${s.state}</th><td>${s.invited}</td><td>${s.answered}</td><td>${s.late}</td></tr>`)}</tbody>
                </table>
                <${Bars} label=${t("check.chart")} rows=${states.map((s) => ({ label: s.state, value: s.answered / s.invited, text: formatNumber(s.answered / s.invited, { style: "percent" }) }))} max=${1} />
            </section>
            <section aria-labelledby="h-invitations">
                <h2 id="h-invitations">${t("check.invitations")}</h2>
                ${actError ? html`<p class="error" role="alert">${errorText(actError)}</p>` : null}
                <table><caption class="visually-hidden">${t("check.invitations")}</caption>
                    <thead><tr><th scope="col">${t("contact.name")}</th><th scope="col">${t("contact.organization")}</th><th scope="col">${t("contact.state")}</th>
                        <th scope="col">${t("check.node")}</th>
                        <th scope="col">${t("check.answered")}</th><th scope="col">${t("check.time_to_answer")}</th><th scope="col">${t("check.action")}</th></tr></thead>
                    <tbody>${c.contacts.map((x) => html`<tr>
                        <td><a href=${`/directory/${x.contact}`}>${x.full_name}</a></td><td>${orgName(orgs, x.organization)}</td><td>${x.state}</td>
                        <td>${x.node ? t("check.node_peer", { name: x.node.name || x.node.peer }) : t("check.node_here")}</td>
                        <td>${x.answered ? formatTime(x.answered_at) : t("common.no")}${x.late ? html` <strong>${t("check.late")}</strong>` : null}</td>
                        <td>${x.seconds_to_answer === null ? "" : t("check.minutes", { n: formatNumber(Math.round(x.seconds_to_answer / 60)) })}</td>
                        <td>${!x.answered && x.organization === user.organization
                            ? html`<button type="button" onClick=${() => this.answerFor(x.contact)}>${t("check.answer_for", { name: x.full_name })}</button>` : ""}</td>
                    </tr>`)}</tbody>
                </table>
            </section>`;
    }
}
