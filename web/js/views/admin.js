// Administration (node admins): users (the one-time password link shown once), API keys
// (the secret shown once, revoking), node settings, and the audit chain with "verify";
// the peer nodes have their own view (peers.js) under the same tabs.
import { html, Component, createRef } from "../lib.js";
import { t, tv, formatTime } from "../i18n.js";
import { get, post, patch, del, query } from "../api.js";
import { organizations, orgName } from "../orgs.js";
import { Heading, Field, FormError, focusError, formValues, options, Pager, Loading, errorText } from "../ui.js";

const ROLES = ["admin", "analyst", "viewer"];
const TABS = [["users", "/admin/users"], ["keys", "/admin/keys"], ["peers", "/admin/peers"], ["settings", "/admin/settings"], ["audit", "/admin/audit"]];

export function Tabs({ current }) {
    return html`<nav class="tabs" aria-label=${t("admin.title")}><ul>
        ${TABS.map(([name, href]) => html`<li><a href=${href} aria-current=${name === current ? "page" : undefined}>${t(`admin.${name}`)}</a></li>`)}
    </ul></nav>`;
}

/* A secret shown once: the user must copy it now. */
class Once extends Component {
    constructor() {
        super();
        this.ref = createRef();
    }
    componentDidMount() {
        this.ref.current.focus();
    }
    render({ label, value }) {
        return html`<div class="once" role="status" tabindex="-1" ref=${this.ref}>
            <p><strong>${label}</strong></p><p><code>${value}</code></p><p class="hint">${t("admin.shown_once")}</p>
        </div>`;
    }
}

/* A list with a create form above it; subclasses give load(), create(v) and render. */
class AdminList extends Component {
    constructor() {
        super();
        this.state = { page: null, orgs: null, error: null, formError: null, once: null, busy: false };
        this.form = createRef();
    }

    async componentDidMount() {
        try {
            const orgs = await organizations();
            this.setState({ orgs, page: await this.load() });
        } catch (error) {
            this.setState({ error });
        }
    }

    submit = async (e) => {
        e.preventDefault();
        this.setState({ busy: true, formError: null, once: null });
        try {
            const once = await this.create(formValues(this.form.current));
            this.form.current.reset();
            this.setState({ busy: false, once, page: await this.load() });
        } catch (formError) {
            this.setState({ busy: false, formError });
            focusError(this.form.current, formError);
        }
    };

    async act(fn) {
        this.setState({ error: null, once: null });
        try {
            const once = await fn();
            this.setState({ once, page: await this.load() });
        } catch (error) {
            this.setState({ error });
        }
    }

    orgOptions() {
        return [...(this.state.orgs || new Map()).values()].sort((a, b) => a.name.localeCompare(b.name)).map((o) => ({ value: o.id, label: o.name }));
    }
}

export class AdminUsers extends AdminList {
    load() {
        return get(`/users${query({ cursor: this.props.query.get("cursor"), limit: 100 })}`);
    }

    async create(v) {
        const u = await post("/users", v);
        return { label: t("admin.user_link", { email: u.email }), value: u.set_password_link };
    }

    reset(u) {
        this.act(async () => {
            const r = await post(`/users/${u.id}/reset`);
            return { label: t("admin.user_link", { email: u.email }), value: r.set_password_link };
        });
    }

    render(_, { page, orgs, error, formError, once, busy }) {
        return html`
            <${Heading} text=${t("admin.users")} /><${Tabs} current="users" />
            ${once ? html`<${Once} ...${once} />` : null}
            ${error ? html`<p class="error" role="alert">${errorText(error)}</p>` : null}
            <h2>${t("admin.new_user")}</h2>
            <form ref=${this.form} onSubmit=${this.submit} novalidate>
                <${Field} name="email" type="email" label=${t("signin.email")} required=${true} error=${formError} />
                <${Field} name="name" label=${t("contact.name")} required=${true} error=${formError} />
                <${Field} name="organization" label=${t("contact.organization")} required=${true} error=${formError}
                    options=${[{ value: "", label: t("list.choose") }, ...this.orgOptions()]} />
                <${Field} name="role" label=${t("admin.role")} required=${true} error=${formError} value="analyst" options=${options("urole", ROLES)} />
                <${Field} name="language" label=${t("nav.language")} error=${formError} value="en"
                    options=${[{ value: "en", label: t("language.en") }, { value: "ja", label: t("language.ja") }]} />
                <${Field} name="time_zone" label=${t("contact.timezone")} error=${formError} value="UTC" hint=${t("admin.time_zone_hint")} />
                <${FormError} error=${formError} fields=${["email", "name", "organization", "role", "language", "time_zone"]} />
                <button type="submit" disabled=${busy}>${t("admin.create_user")}</button>
            </form>
            <h2>${t("admin.users")}</h2>
            ${!page ? (error ? null : html`<${Loading} />`) : !page.items.length ? html`<p>${t("list.empty")}</p>` : html`
            <table><caption class="visually-hidden">${t("admin.users")}</caption>
                <thead><tr><th scope="col">${t("signin.email")}</th><th scope="col">${t("contact.name")}</th><th scope="col">${t("contact.organization")}</th>
                    <th scope="col">${t("admin.role")}</th><th scope="col">${t("nav.language")}</th><th scope="col">${t("admin.totp")}</th><th scope="col">${t("check.action")}</th></tr></thead>
                <tbody>${page.items.map((u) => html`<tr><td>${u.email}</td><td>${u.name}</td><td>${orgName(orgs, u.organization)}</td>
                    <td>${tv("urole", u.role)}</td><td>${tv("language", u.language)}</td><td>${u.totp_enabled ? t("common.yes") : t("common.no")}</td>
                    <td><button type="button" onClick=${() => this.reset(u)}>${t("admin.reset", { email: u.email })}</button></td></tr>`)}</tbody>
            </table><${Pager} next=${page.next} />`}`;
    }
}

export class AdminKeys extends AdminList {
    load() {
        return get(`/keys${query({ cursor: this.props.query.get("cursor"), limit: 100 })}`);
    }

    async create(v) {
        const k = await post("/keys", v);
        return { label: t("admin.key_secret", { prefix: k.prefix }), value: k.key };
    }

    revoke(k) {
        this.act(async () => {
            await del(`/keys/${k.id}`);
            return null;
        });
    }

    render(_, { page, orgs, error, formError, once, busy }) {
        return html`
            <${Heading} text=${t("admin.keys")} /><${Tabs} current="keys" />
            ${once ? html`<${Once} ...${once} />` : null}
            ${error ? html`<p class="error" role="alert">${errorText(error)}</p>` : null}
            <h2>${t("admin.new_key")}</h2>
            <form ref=${this.form} onSubmit=${this.submit} novalidate>
                <${Field} name="organization" label=${t("contact.organization")} required=${true} error=${formError}
                    options=${[{ value: "", label: t("list.choose") }, ...this.orgOptions()]} />
                <${Field} name="role" label=${t("admin.role")} required=${true} error=${formError} value="analyst" options=${options("urole", ROLES)} />
                <${Field} name="label" label=${t("admin.label")} error=${formError} />
                <${FormError} error=${formError} fields=${["organization", "role", "label"]} />
                <button type="submit" disabled=${busy}>${t("admin.create_key")}</button>
            </form>
            <h2>${t("admin.keys")}</h2>
            ${!page ? (error ? null : html`<${Loading} />`) : html`
            <table><caption class="visually-hidden">${t("admin.keys")}</caption>
                <thead><tr><th scope="col">${t("admin.prefix")}</th><th scope="col">${t("contact.organization")}</th><th scope="col">${t("admin.role")}</th>
                    <th scope="col">${t("admin.label")}</th><th scope="col">${t("admin.last_used")}</th><th scope="col">${t("check.action")}</th></tr></thead>
                <tbody>${page.items.map((k) => html`<tr><td><code>${k.prefix}</code></td><td>${orgName(orgs, k.organization)}</td><td>${tv("urole", k.role)}</td>
                    <td>${k.label || ""}</td><td>${formatTime(k.last_used)}</td>
                    <td>${k.revoked ? t("admin.revoked_at", { time: formatTime(k.revoked) })
                        : html`<button type="button" onClick=${() => this.revoke(k)}>${t("admin.revoke", { prefix: k.prefix })}</button>`}</td></tr>`)}</tbody>
            </table><${Pager} next=${page.next} />`}`;
    }
}

export class AdminSettings extends Component {
    constructor() {
        super();
        this.state = { settings: null, error: null, formError: null, saved: false, busy: false };
        this.form = createRef();
    }

    async componentDidMount() {
        try {
            this.setState({ settings: (await get("/settings")).settings });
        } catch (error) {
            this.setState({ error });
        }
    }

    submit = async (e) => {
        e.preventDefault();
        const v = formValues(this.form.current);
        const changes = {};
        for (const s of this.state.settings) {
            const raw = v[s.name];
            const value = raw === undefined ? null : s.type === "integer" ? Number(raw) : raw;
            if (value !== s.value && !(value === null && s.is_default)) changes[s.name] = value;
        }
        this.setState({ busy: true, formError: null, saved: false });
        try {
            const r = Object.keys(changes).length ? await patch("/settings", changes) : { settings: this.state.settings };
            this.setState({ busy: false, saved: true, settings: r.settings || (await get("/settings")).settings });
        } catch (formError) {
            this.setState({ busy: false, formError });
            focusError(this.form.current, formError);
        }
    };

    render(_, { settings, error, formError, saved, busy }) {
        return html`
            <${Heading} text=${t("admin.settings")} /><${Tabs} current="settings" />
            ${error ? html`<p class="error" role="alert">${errorText(error)}</p>` : !settings ? html`<${Loading} />` : html`
            <form ref=${this.form} onSubmit=${this.submit} novalidate>
                ${settings.map((s) => html`<${Field} name=${s.name} label=${s.name} type=${s.type === "integer" ? "number" : "text"} value=${s.value}
                    error=${formError} hint=${`${s.help}${s.unit ? ` (${s.unit})` : ""} — ${t("admin.default", { value: s.default })}`} />`)}
                <${FormError} error=${formError} fields=${settings.map((s) => s.name)} />
                ${saved ? html`<p role="status">${t("admin.saved")}</p>` : null}
                <button type="submit" disabled=${busy}>${t("admin.save")}</button>
            </form>`}`;
    }
}

export class AdminAudit extends Component {
    constructor() {
        super();
        this.state = { page: null, error: null, verify: null, verifyError: null, busy: false };
        this.result = createRef();
    }

    async componentDidMount() {
        try {
            this.setState({ page: await get(`/audit${query({ cursor: this.props.query.get("cursor"), limit: 100 })}`) });
        } catch (error) {
            this.setState({ error });
        }
    }

    verify = async () => {
        this.setState({ busy: true, verify: null, verifyError: null });
        try {
            this.setState({ busy: false, verify: await get("/audit/verify") });
        } catch (verifyError) {
            this.setState({ busy: false, verifyError });
        }
        this.result.current && this.result.current.focus();
    };

    render(_, { page, error, verify, verifyError, busy }) {
        return html`
            <${Heading} text=${t("admin.audit")} /><${Tabs} current="audit" />
            <p><button type="button" onClick=${this.verify} disabled=${busy}>${t("admin.verify")}</button></p>
            <p role="status" tabindex="-1" ref=${this.result} class=${verify ? (verify.intact ? "ok" : "error") : ""}>
                ${verifyError ? errorText(verifyError) : verify ? (verify.intact ? t("admin.intact", { entries: verify.entries })
                    : t("admin.broken", { seq: verify.first_bad, reason: verify.reason })) : ""}</p>
            ${error ? html`<p class="error" role="alert">${errorText(error)}</p>` : !page ? html`<${Loading} />` : html`
            <table><caption class="visually-hidden">${t("admin.audit")}</caption>
                <thead><tr><th scope="col">${t("admin.seq")}</th><th scope="col">${t("admin.at")}</th><th scope="col">${t("admin.action")}</th>
                    <th scope="col">${t("admin.object")}</th><th scope="col">${t("admin.actor")}</th></tr></thead>
                <tbody>${page.items.map((e) => html`<tr><td>${e.seq}</td><td><time datetime=${e.at}>${formatTime(e.at)}</time></td><td><code>${e.action}</code></td>
                    <td>${e.object_type} <code>${e.object_id || ""}</code></td><td><code>${e.actor_key || ""}</code></td></tr>`)}</tbody>
            </table><${Pager} next=${page.next} />`}`;
    }
}
