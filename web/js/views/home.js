// "My work", the home page: requests waiting for my organization's move (overdue first,
// then by the nearest deadline, with the time left), communication checks to answer,
// escalations, and incidents recently shared with us.
import { html, Component } from "../lib.js";
import { t, tv, formatTime, formatRelative } from "../i18n.js";
import { get } from "../api.js";
import { organizations, orgName } from "../orgs.js";
import { Heading, Tlp, Loading, errorText } from "../ui.js";
import { ExerciseMark } from "../exercises.js";

const RECIPIENT_MOVES = ["sent", "acknowledged", "in-progress"];

export function dueOf(r) {
    return r.status === "sent" ? r.ack_due : r.answer_due;
}

/* Requests waiting for us: received ones still to acknowledge or answer, and sent ones
   that were answered (ours to close). Overdue first, then the nearest deadline. */
export function waiting(inbox, outbox) {
    const mine = [...inbox.filter((r) => RECIPIENT_MOVES.includes(r.status)), ...outbox.filter((r) => r.status === "answered")];
    return mine.sort((a, b) => (b.overdue - a.overdue) || String(dueOf(a) || "~").localeCompare(String(dueOf(b) || "~")));
}

class Section extends Component {
    render({ title, error, items, children, empty }) {
        return html`<section class="card" aria-labelledby=${`h-${title}`}>
            <h2 id=${`h-${title}`}>${t(title)}</h2>
            ${error ? html`<p class="error" role="alert">${errorText(error)}</p>`
                : items === null ? html`<${Loading} />`
                : items.length === 0 ? html`<p>${t(empty)}</p>` : children}
        </section>`;
    }
}

async function settle(p) {
    try {
        return [await p, null];
    } catch (e) {
        return [null, e];
    }
}

export class MyWork extends Component {
    constructor() {
        super();
        this.state = { requests: null, reqError: null, checks: null, checkError: null, incidents: null, incError: null, orgs: null };
    }

    async componentDidMount() {
        const [orgs] = await settle(organizations());
        this.setState({ orgs });
        const [boxes, reqError] = await settle(Promise.all([get("/requests?box=inbox&limit=200"), get("/requests?box=outbox&limit=200")]));
        this.setState({ reqError, requests: boxes ? { inbox: boxes[0].items, outbox: boxes[1].items } : null });
        const [checks, checkError] = await settle(this.checksToAnswer());
        this.setState({ checkError, checks });
        const [inc, incError] = await settle(get("/incidents?limit=10"));
        this.setState({ incError, incidents: inc ? inc.items : null });
    }

    /* Invitations of open checks to my organization's contacts that are not answered yet. */
    async checksToAnswer() {
        const open = (await get("/checks?limit=50")).items.filter((c) => new Date(c.deadline) > new Date());
        const details = await Promise.all(open.map((c) => get(`/checks/${c.id}`)));
        return details.flatMap((c) => c.contacts.filter((x) => x.organization === this.props.user.organization && !x.answered)
            .map((x) => ({ check: c, invitation: x })));
    }

    render({ user }, { requests, reqError, checks, checkError, incidents, incError, orgs }) {
        const list = requests ? waiting(requests.inbox, requests.outbox) : null;
        const escalated = requests ? [...requests.inbox, ...requests.outbox].filter((r) => r.escalation_level > 0) : null;
        return html`
            <${Heading} text=${t("home.title")} />
            <p>${t("home.welcome", { name: user.name || user.email })}</p>
            <div class="cards">
            <${Section} title="home.waiting" error=${reqError} items=${list} empty="home.waiting_none">
                <table>
                    <caption class="visually-hidden">${t("home.waiting")}</caption>
                    <thead><tr><th scope="col">${t("request.subject")}</th><th scope="col">${t("request.counterpart")}</th>
                        <th scope="col">${t("request.status")}</th><th scope="col">${t("request.time_left")}</th></tr></thead>
                    <tbody>${(list || []).map((r) => html`<tr class=${r.overdue ? "overdue" : ""}>
                        <td><a href=${`/requests/${r.id}`}>${r.subject}</a>${r.exercise ? html`<${ExerciseMark} id=${r.exercise} />` : null}</td>
                        <td>${orgName(orgs, r.status === "answered" ? r.to_organization : r.from_organization)}</td>
                        <td>${tv("status", r.status)}</td>
                        <td>${r.overdue ? html`<strong>${t("request.overdue")}</strong> ` : null}
                            <time datetime=${dueOf(r)} title=${formatTime(dueOf(r))}>${formatRelative(dueOf(r))}</time></td>
                    </tr>`)}</tbody>
                </table>
            <//>
            <${Section} title="home.checks" error=${checkError} items=${checks} empty="home.checks_none">
                <ul>${(checks || []).map(({ check, invitation }) => html`<li><a href=${`/checks/${check.id}`}>${t("home.check_item",
                    { name: invitation.full_name, deadline: formatTime(check.deadline), from: orgName(orgs, check.organization) })}</a>${check.exercise ? html`<${ExerciseMark} id=${check.exercise} />` : null}</li>`)}</ul>
            <//>
            <${Section} title="home.escalations" error=${reqError} items=${escalated} empty="home.escalations_none">
                <ul>${(escalated || []).map((r) => html`<li><a href=${`/requests/${r.id}`}>${r.subject}</a>${r.exercise ? html`<${ExerciseMark} id=${r.exercise} />` : null}
                    ${" "}${t("home.escalated", { level: r.escalation_level, role: tv("role", r.escalation_role) })}</li>`)}</ul>
            <//>
            <${Section} title="home.incidents" error=${incError} items=${incidents} empty="home.incidents_none">
                <ul>${(incidents || []).map((i) => html`<li><a href=${`/incidents/${i.id}`}>${i.title}</a>${i.exercise ? html`<${ExerciseMark} id=${i.exercise} />` : null} <${Tlp} tlp=${i.tlp} />
                    ${" "}<time datetime=${i.created}>${formatTime(i.created)}</time></li>`)}</ul>
            <//>
            </div>`;
    }
}
