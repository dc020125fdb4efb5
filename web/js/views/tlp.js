// The TLP 2.0 picker used by every sharing form: the five labels as a radio group with
// what each means, and (for shared objects) the recipient organizations and whether the
// node's clients may see AMBER.
import { html, Component } from "../lib.js";
import { t, tv } from "../i18n.js";
import { errorText } from "../ui.js";

export const TLPS = ["clear", "green", "amber", "amber+strict", "red"];

export class TlpPicker extends Component {
    render({ error, value, recipients, orgs }) {
        const err = error && error.field === "tlp" ? error : null;
        const rerr = error && error.field && error.field.startsWith("recipients") ? error : null;
        return html`<fieldset class="field tlp-picker" aria-describedby=${err ? "f-tlp-error" : undefined}>
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
        </fieldset>`;
    }
}
