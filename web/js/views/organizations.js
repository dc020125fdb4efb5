// The organizations of the directory: a list for everyone, and for admins creating an
// organization and editing one (name, state, kind, website, description, and whether
// it is a client of the node, which lets it see AMBER objects whose source allows it).
import { html, Component, createRef } from "../lib.js";
import { t, tv } from "../i18n.js";
import { get, post, patch } from "../api.js";
import { navigate } from "../router.js";
import { organizations, forgetOrganizations } from "../orgs.js";
import { Heading, Field, FormError, focusError, formValues, options, Loading, errorText, Origin } from "../ui.js";
import { changedFields } from "./directory.js";

const KINDS = ["national-csirt", "foreign-ministry", "law-enforcement", "regulator", "operator", "other"];
const ORG_FIELDS = ["name", "state", "kind", "website", "description", "client"];

export class OrgList extends Component {
    constructor() {
        super();
        this.state = { orgs: null, error: null };
    }

    async componentDidMount() {
        try {
            this.setState({ orgs: await organizations() });
        } catch (error) {
            this.setState({ error });
        }
    }

    render({ user }, { orgs, error }) {
        const rows = orgs ? [...orgs.values()].sort((a, b) => a.name.localeCompare(b.name)) : [];
        return html`
            <${Heading} text=${t("orgs.title")} />
            ${user.role === "admin" ? html`<p><a class="button" href="/organizations/new">${t("orgs.new")}</a></p>` : null}
            ${error ? html`<p class="error" role="alert">${errorText(error)}</p>` : !orgs ? html`<${Loading} />` : html`
            <table>
                <caption class="visually-hidden">${t("orgs.title")}</caption>
                <thead><tr><th scope="col">${t("org.name")}</th><th scope="col">${t("contact.state")}</th>
                    <th scope="col">${t("org.kind")}</th><th scope="col">${t("org.client")}</th><th scope="col">${t("orgs.contacts")}</th></tr></thead>
                <tbody>${rows.map((o) => html`<tr>
                    <td>${user.role === "admin" ? html`<a href=${`/organizations/${o.id}`}>${o.name}</a>` : o.name}</td>
                    <td>${o.state}</td><td>${tv("okind", o.kind)}</td><td>${o.client ? t("common.yes") : t("common.no")}</td>
                    <td><a href=${`/directory?organization=${o.id}`} aria-label=${t("orgs.contacts_of", { organization: o.name })}>${t("orgs.contacts")}</a></td>
                </tr>`)}</tbody>
            </table>`}`;
    }
}

/* The fields of an organization, shared by creating and editing (`o`: the stored one). */
function OrgFields({ o = {}, error }) {
    return html`
        <${Field} name="name" label=${t("org.name")} required=${true} error=${error} value=${o.name} autocomplete="off" />
        <${Field} name="state" label=${t("contact.state")} required=${true} error=${error} value=${o.state} hint=${t("form.state_hint")} />
        <${Field} name="kind" label=${t("org.kind")} required=${true} error=${error} value=${o.kind} options=${options("okind", KINDS, t("list.choose"))} />
        <${Field} name="website" type="url" label=${t("org.website")} error=${error} value=${o.website} />
        <${Field} name="description" type="textarea" label=${t("org.description")} error=${error} value=${o.description} />
        <${Field} name="client" type="checkbox" label=${t("org.client_label")} error=${error} value=${o.client} hint=${t("org.client_hint")} />`;
}

function orgValues(form) {
    const v = formValues(form);
    if (v.state) v.state = v.state.toUpperCase();
    return v;
}

/* Creating (no id) or editing an organization (admins; the API refuses anyone else). */
class OrgForm extends Component {
    constructor() {
        super();
        this.state = { o: null, error: null, loadError: null, busy: false };
        this.form = createRef();
    }

    async componentDidMount() {
        if (!this.props.params.id) return;
        try {
            this.setState({ o: await get(`/organizations/${encodeURIComponent(this.props.params.id)}`) });
        } catch (loadError) {
            this.setState({ loadError });
        }
    }

    submit = async (e) => {
        e.preventDefault();
        const { o } = this.state;
        const v = orgValues(this.form.current);
        this.setState({ busy: true, error: null });
        try {
            if (o) await patch(`/organizations/${o.id}`, changedFields(v, o, ORG_FIELDS));
            else await post("/organizations", v);
            forgetOrganizations();
            navigate("/organizations");
        } catch (error) {
            this.setState({ busy: false, error });
            focusError(this.form.current, error);
        }
    };

    render({ params }, { o, error, loadError, busy }) {
        const title = params.id ? (o ? t("orgs.edit_title", { name: o.name }) : t("orgs.edit")) : t("orgs.new");
        if (loadError) return html`<${Heading} text=${title} /><p class="error" role="alert">${errorText(loadError)}</p>`;
        if (params.id && !o) return html`<${Loading} />`;
        const foreign = !!(o && o.origin); /* from a peer node: read-only here */
        return html`
            <${Heading} text=${title} />
            <${Origin} origin=${o && o.origin} />
            <form ref=${this.form} onSubmit=${this.submit} novalidate>
                <fieldset disabled=${foreign} class="plain"><legend class="visually-hidden">${title}</legend>
                    <${OrgFields} o=${o || { client: false }} error=${error} />
                </fieldset>
                <${FormError} error=${error} fields=${ORG_FIELDS} />
                ${foreign ? null : html`<button type="submit" disabled=${busy}>${params.id ? t("orgs.save") : t("orgs.create")}</button>`}
            </form>`;
    }
}

export const OrgNew = OrgForm;
export const OrgEdit = OrgForm;
