// The TLP 2.0 picker used by every sharing form: the five labels as a radio group with
// what each means, and (for shared objects) the recipient organizations, whether the
// node's clients may see AMBER, and "who will see this": the organizations the server's
// policy would let see the object as the form stands, asked of POST /tlp/audience on
// every change (the page never decides this itself).
import { html, Component, createRef } from "../lib.js";
import { t, tv } from "../i18n.js";
import { post } from "../api.js";
import { errorText } from "../ui.js";

export const TLPS = ["clear", "green", "amber", "amber+strict", "red"];

/* The sharing the picker's controls hold now, as the API takes it. */
function sharingOf(fieldset) {
    const checked = fieldset.querySelector("input[name=tlp]:checked");
    const select = fieldset.querySelector("select[name=recipients]");
    const clients = fieldset.querySelector("input[name=allow_clients]");
    return {
        tlp: checked ? checked.value : "",
        recipients: select ? [...select.selectedOptions].map((o) => o.value) : [],
        allow_clients: !!(clients && clients.checked),
    };
}

/* The answer of POST /tlp/audience (or GET …/audience), in words and as a list. */
export function Audience({ audience, error, label = t("tlp.audience") }) {
    if (error) return html`<p class="error">${errorText(error)}</p>`;
    if (!audience) return null;
    const n = audience.count;
    if (audience.anyone) return html`<p>${t("tlp.audience_anyone", { n })}</p>`;
    if (audience.tlp === "green") return html`<p>${t("tlp.audience_members", { n })}</p>`;
    return html`<p>${t("tlp.audience_named", { n })}</p>
        <ul aria-label=${label}>${audience.organizations.map((o) => html`<li>${t("tlp.audience_org",
            { organization: o.name, state: o.state, why: tv("audience", o.why) })}</li>`)}</ul>`;
}

export class TlpPicker extends Component {
    constructor() {
        super();
        this.state = { audience: null, audienceError: null };
        this.fieldset = createRef();
        this.asked = 0;
    }

    componentDidMount() {
        if (this.props.audience) this.ask();
    }

    /* Asks the server who would see the form's sharing; a late answer to an earlier
       question is dropped. */
    ask = async () => {
        if (!this.props.audience || !this.fieldset.current) return;
        const n = ++this.asked;
        const body = sharingOf(this.fieldset.current);
        if (this.props.organization) body.organization = this.props.organization;
        try {
            const audience = await post("/tlp/audience", body);
            if (n === this.asked) this.setState({ audience, audienceError: null });
        } catch (audienceError) {
            if (n === this.asked) this.setState({ audience: null, audienceError });
        }
    };

    render({ error, value, recipients, orgs, audience: wanted }, { audience, audienceError }) {
        const err = error && error.field === "tlp" ? error : null;
        const rerr = error && error.field && error.field.startsWith("recipients") ? error : null;
        return html`<fieldset class="field tlp-picker" ref=${this.fieldset} onChange=${this.ask}
                aria-describedby=${err ? "f-tlp-error" : undefined}>
            <legend>${t("tlp.label")}</legend>
            ${TLPS.map((l) => html`<div class="check">
                <input type="radio" id=${`f-tlp-${l}`} name="tlp" value=${l} defaultChecked=${l === value}
                    aria-describedby=${`f-tlp-${l}-help`} />
                <label for=${`f-tlp-${l}`}><span class=${`tlp tlp-${l.replace("+", "-")}`}>${tv("tlp", l)}</span></label>
                <span class="hint" id=${`f-tlp-${l}-help`}>${t(`tlp.help.${l}`)}</span>
            </div>`)}
            ${err ? html`<p class="error" id="f-tlp-error">${errorText(err)}</p>` : null}
            ${recipients ? html`
                <div class="field">
                    <label for="f-recipients">${t("tlp.recipients")}</label>
                    <select id="f-recipients" name="recipients" multiple size="6" aria-describedby=${`f-recipients-hint${rerr ? " f-recipients-error" : ""}`}>
                        ${[...(orgs || new Map()).values()].sort((a, b) => a.name.localeCompare(b.name))
                            .map((o) => html`<option value=${o.id}>${o.name} (${o.state})</option>`)}
                    </select>
                    <p class="hint" id="f-recipients-hint">${t("tlp.recipients_hint")}</p>
                    ${rerr ? html`<p class="error" id="f-recipients-error">${errorText(rerr)}</p>` : null}
                </div>
                <div class="field check">
                    <input type="checkbox" id="f-allow_clients" name="allow_clients" value="true" />
                    <label for="f-allow_clients">${t("tlp.allow_clients")}</label>
                </div>` : null}
            ${wanted ? html`<section class="audience" aria-labelledby="h-audience">
                <h2 id="h-audience">${t("tlp.audience")}</h2>
                <div aria-live="polite"><${Audience} audience=${audience} error=${audienceError} /></div>
            </section>` : null}
        </fieldset>`;
    }
}
