// The points-of-contact directory: search and filters in the URL, one page at a time,
// and a contact's card with the contact's local time now and whether that is inside the
// contact's working hours.
import { html, Component, createRef } from "../lib.js";
import { t, tv, formatClock, formatTime } from "../i18n.js";
import { get, post, patch, query } from "../api.js";
import { navigate, pick, withQuery } from "../router.js";
import { organizations, orgName } from "../orgs.js";
import { Heading, Field, FormError, focusError, formValues, options, Pager, Loading, errorText, Origin } from "../ui.js";

const ROLES = ["diplomatic", "technical", "law-enforcement-24x7", "csirt"];
const FILTERS = ["q", "state", "role", "organization", "cursor"];
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/* Whether `date` falls inside hours like "24/7", "09:00-17:30" or "Mon-Fri 09:00-17:30"
   in time zone `zone`: true, false, or null when the hours cannot be read. */
export function withinHours(hours, zone, date = new Date()) {
    if (!hours) return null;
    if (hours.trim() === "24/7") return true;
    const m = /^(?:([A-Z][a-z]{2})-([A-Z][a-z]{2})\s+)?(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(hours.trim());
    if (!m || !zone) return null;
    let parts;
    try {
        parts = Object.fromEntries(new Intl.DateTimeFormat("en-US", { timeZone: zone, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
            .formatToParts(date).map((p) => [p.type, p.value]));
    } catch (e) {
        return null;
    }
    const day = DAYS.indexOf(parts.weekday);
    if (m[1]) {
        const from = DAYS.indexOf(m[1]);
        const to = DAYS.indexOf(m[2]);
        if (from < 0 || to < 0) return null;
        const inDays = from <= to ? day >= from && day <= to : day >= from || day <= to;
        if (!inDays) return false;
    }
    const now = Number(parts.hour) * 60 + Number(parts.minute);
    return now >= Number(m[3]) * 60 + Number(m[4]) && now < Number(m[5]) * 60 + Number(m[6]);
}

export class Directory extends Component {
    constructor() {
        super();
        this.state = { page: null, error: null, orgs: null };
    }

    async componentDidMount() {
        const q = pick(this.props.query, FILTERS);
        try {
            const [page, orgs] = await Promise.all([get(`/contacts${query({ ...q, limit: 50 })}`), organizations()]);
            this.setState({ page, orgs });
        } catch (error) {
            this.setState({ error });
        }
    }

    filter = (e) => {
        e.preventDefault();
        const v = formValues(e.target);
        const changes = { cursor: "" };
        for (const n of ["q", "state", "role", "organization"]) changes[n] = n === "state" && v[n] ? v[n].toUpperCase() : v[n] || "";
        navigate(withQuery(changes));
    };

    render({ query: q }, { page, error, orgs }) {
        const orgOptions = orgs ? [...orgs.values()].sort((a, b) => a.name.localeCompare(b.name)).map((o) => ({ value: o.id, label: o.name })) : [];
        return html`
            <${Heading} text=${t("directory.title")} />
            <p><a class="button" href="/directory/new">${t("directory.new")}</a>
                ${" "}<a href="/organizations">${t("orgs.title")}</a></p>
            <form class="filters" role="search" onSubmit=${this.filter} aria-label=${t("list.filters")}>
                <${Field} name="q" type="search" label=${t("list.search")} value=${q.get("q")} hint=${t("directory.q_hint")} />
                <${Field} name="state" label=${t("contact.state")} value=${q.get("state")} hint=${t("form.state_hint")} />
                <${Field} name="role" label=${t("contact.role")} value=${q.get("role")} options=${options("role", ROLES, t("list.any"))} />
                <${Field} name="organization" label=${t("contact.organization")} value=${q.get("organization")}
                    options=${[{ value: "", label: t("list.any") }, ...orgOptions]} />
                <button type="submit">${t("list.search_button")}</button>
            </form>
            ${error ? html`<p class="error" role="alert">${errorText(error)}</p>` : !page ? html`<${Loading} />` : page.items.length === 0
                ? html`<p>${t("list.empty")}</p>` : html`
            <table>
                <caption class="visually-hidden">${t("directory.title")}</caption>
                <thead><tr><th scope="col">${t("contact.name")}</th><th scope="col">${t("contact.organization")}</th>
                    <th scope="col">${t("contact.state")}</th><th scope="col">${t("contact.role")}</th>
                    <th scope="col">${t("contact.email")}</th><th scope="col">${t("contact.phone")}</th></tr></thead>
                <tbody>${page.items.map((c) => html`<tr>
                    <td><a href=${`/directory/${c.id}`}>${c.full_name}</a></td><td>${orgName(orgs, c.organization)}</td>
                    <td>${c.state}</td><td>${tv("role", c.role)}</td>
                    <td>${c.email ? html`<a href=${`mailto:${c.email}`}>${c.email}</a>` : ""}</td><td>${c.phone || ""}</td>
                </tr>`)}</tbody>
            </table>
            <${Pager} next=${page.next} />`}`;
    }
}

export class ContactPage extends Component {
    constructor() {
        super();
        this.state = { c: null, error: null, orgs: null };
    }

    async componentDidMount() {
        try {
            const [c, orgs] = await Promise.all([get(`/contacts/${encodeURIComponent(this.props.params.id)}`), organizations()]);
            this.setState({ c, orgs });
        } catch (error) {
            this.setState({ error });
        }
    }

    render({ user }, { c, error, orgs }) {
        if (error) return html`<${Heading} text=${t("contact.title")} /><p class="error" role="alert">${errorText(error)}</p>`;
        if (!c) return html`<${Loading} />`;
        const now = new Date();
        const inside = withinHours(c.hours, c.timezone, now);
        let local = "—";
        try {
            if (c.timezone) local = formatClock(now, c.timezone);
        } catch (e) {
            local = "—";
        }
        const facts = [["contact.organization", orgName(orgs, c.organization)], ["contact.state", c.state], ["contact.role", tv("role", c.role)],
            ["contact.position", c.position || "—"], ["contact.email", c.email ? html`<a href=${`mailto:${c.email}`}>${c.email}</a>` : "—"],
            ["contact.phone", c.phone ? html`<a href=${`tel:${c.phone.replace(/\s/g, "")}`}>${c.phone}</a>` : "—"],
            ["contact.languages", (c.languages || []).join(", ") || "—"], ["contact.hours", c.hours || "—"],
            ["contact.timezone", c.timezone || "—"], ["contact.local_time", local],
            ["contact.verified_at", c.verified_at ? formatTime(c.verified_at) : "—"]];
        return html`
            <${Heading} text=${c.full_name} />
            <${Origin} origin=${c.origin} />
            <p class=${inside ? "ok" : "warn"}>${inside === null ? t("contact.hours_unknown") : inside ? t("contact.in_hours") : t("contact.out_of_hours")}</p>
            <dl class="facts">${facts.map(([k, v]) => html`<dt>${t(k)}</dt><dd>${v}</dd>`)}</dl>
            ${c.public_key ? html`<h2>${t("contact.public_key")}</h2><pre>${c.public_key}</pre>` : null}
            ${!c.origin && (user.role === "admin" || (user.role === "analyst" && user.organization === c.organization))
                ? html`<p><a class="button" href=${`/directory/${c.id}/edit`}>${t("directory.edit")}</a></p>` : null}
            <p><a href=${`/directory?organization=${c.organization}`}>${t("contact.colleagues")}</a></p>`;
    }
}

const CONTACT_FIELDS = ["full_name", "role", "email", "phone", "position", "languages", "hours", "timezone"];

/* The form's values as the API takes them: languages as a list. */
function contactValues(form) {
    const v = formValues(form);
    if (v.languages) v.languages = v.languages.split(/[\s,]+/).filter(Boolean);
    return v;
}

/* The fields of a contact, shared by creating and editing (`c`: the stored contact). */
function ContactFields({ c = {}, error }) {
    return html`
        <${Field} name="full_name" label=${t("contact.name")} required=${true} error=${error} autocomplete="off" value=${c.full_name} />
        <${Field} name="role" label=${t("contact.role")} required=${true} error=${error} value=${c.role} options=${options("role", ROLES, t("list.choose"))} />
        <${Field} name="email" type="email" label=${t("contact.email")} error=${error} value=${c.email} hint=${t("directory.email_or_phone")} />
        <${Field} name="phone" type="tel" label=${t("contact.phone")} error=${error} value=${c.phone} hint=${t("directory.phone_hint")} />
        <${Field} name="position" label=${t("contact.position")} error=${error} value=${c.position} />
        <${Field} name="languages" label=${t("contact.languages")} error=${error} value=${(c.languages || []).join(", ")} hint=${t("directory.languages_hint")} />
        <${Field} name="hours" label=${t("contact.hours")} error=${error} value=${c.hours} hint=${t("directory.hours_hint")} />
        <${Field} name="timezone" label=${t("contact.timezone")} error=${error} value=${c.timezone} hint=${t("admin.time_zone_hint")} />`;
}

/* A new contact: of the user's own organization (analysts), of any (admins). */
export class ContactNew extends Component {
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
        const v = contactValues(this.form.current);
        if (!v.organization) v.organization = this.props.user.organization;
        this.setState({ busy: true, error: null });
        try {
            const c = await post("/contacts", v);
            navigate(`/directory/${c.id}`);
        } catch (error) {
            this.setState({ busy: false, error });
            focusError(this.form.current, error);
        }
    };

    render({ user }, { orgs, error, loadError, busy }) {
        if (loadError) return html`<${Heading} text=${t("directory.new")} /><p class="error" role="alert">${errorText(loadError)}</p>`;
        if (!orgs) return html`<${Loading} />`;
        return html`
            <${Heading} text=${t("directory.new")} />
            <form ref=${this.form} onSubmit=${this.submit} novalidate>
                ${user.role === "admin" ? html`<${Field} name="organization" label=${t("contact.organization")} required=${true} error=${error}
                    value=${user.organization} options=${[...orgs.values()].sort((a, b) => a.name.localeCompare(b.name)).map((o) => ({ value: o.id, label: o.name }))} />`
                    : html`<p>${t("directory.new_for", { organization: orgName(orgs, user.organization) })}</p>`}
                <${ContactFields} error=${error} />
                <${FormError} error=${error} fields=${["organization", ...CONTACT_FIELDS]} />
                <button type="submit" disabled=${busy}>${t("directory.create")}</button>
            </form>`;
    }
}

/* What an edit form changes of the stored object `before`: each field of `names` whose
   value differs, an emptied one as null (the API's PATCH clears it). */
export function changedFields(values, before, names) {
    const out = {};
    for (const n of names) {
        const now = values[n] ?? null;
        const was = Array.isArray(before[n]) && !before[n].length ? null : before[n] ?? null;
        if (JSON.stringify(now) !== JSON.stringify(was)) out[n] = Array.isArray(was) && now === null ? [] : now;
    }
    return out;
}

/* Editing a contact: analysts of its organization and admins may; anyone else gets the
   API's refusal where the form is, and nothing changes. */
export class ContactEdit extends Component {
    constructor() {
        super();
        this.state = { c: null, orgs: null, error: null, loadError: null, busy: false };
        this.form = createRef();
    }

    async componentDidMount() {
        try {
            const [c, orgs] = await Promise.all([get(`/contacts/${encodeURIComponent(this.props.params.id)}`), organizations()]);
            this.setState({ c, orgs });
        } catch (loadError) {
            this.setState({ loadError });
        }
    }

    submit = async (e) => {
        e.preventDefault();
        const { c } = this.state;
        this.setState({ busy: true, error: null });
        try {
            await patch(`/contacts/${c.id}`, changedFields(contactValues(this.form.current), c, CONTACT_FIELDS));
            navigate(`/directory/${c.id}`);
        } catch (error) {
            this.setState({ busy: false, error });
            focusError(this.form.current, error);
        }
    };

    render(_, { c, orgs, error, loadError, busy }) {
        if (loadError) return html`<${Heading} text=${t("directory.edit")} /><p class="error" role="alert">${errorText(loadError)}</p>`;
        if (!c) return html`<${Loading} />`;
        return html`
            <${Heading} text=${t("directory.edit_title", { name: c.full_name })} />
            <p>${t("directory.new_for", { organization: orgName(orgs, c.organization) })}</p>
            <form ref=${this.form} onSubmit=${this.submit} novalidate>
                <${ContactFields} c=${c} error=${error} />
                <${FormError} error=${error} fields=${CONTACT_FIELDS} />
                <button type="submit" disabled=${busy}>${t("directory.save")}</button>
            </form>
            <p><a href=${`/directory/${c.id}`}>${t("directory.back_to_card")}</a></p>`;
    }
}
