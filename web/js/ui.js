// Small shared pieces of every screen: the page heading that takes focus, form fields
// with their error tied to them, an error box, pagers by cursor, TLP badges.
import { html, Component, createRef } from "./lib.js";
import { t, tv } from "./i18n.js";
import { withQuery } from "./router.js";

/* Set when the next view drawn must leave focus where it is (the language switch). */
export const focusPolicy = { keep: false };

/* The page's one h1; it takes focus when the view is drawn, so that after following a
   link a keyboard or screen-reader user starts at the new page's heading. */
export class Heading extends Component {
    constructor() {
        super();
        this.ref = createRef();
    }
    componentDidMount() {
        if (focusPolicy.keep) focusPolicy.keep = false;
        else if (this.ref.current) this.ref.current.focus();
        document.title = `${this.props.text} — Kizuna`;
    }
    componentDidUpdate() {
        document.title = `${this.props.text} — Kizuna`;
    }
    render({ text }) {
        return html`<h1 tabindex="-1" ref=${this.ref}>${text}</h1>`;
    }
}

/* The message of an API error in the user's language (the API's own message otherwise). */
export function errorText(err) {
    if (!err) return "";
    if (err.status === 401) return t("error.unauthorized");
    if (err.status === 403) return t("error.forbidden");
    if (err.status === 404) return t("error.not_found");
    if (err.status === 429) return t("error.slow_down", { seconds: err.retryAfter || "?" });
    if (!err.status) return t("error.network");
    return err.message;
}

/* A failed call's error for the whole form (not tied to a field the form shows). */
export function FormError({ error, fields = [] }) {
    if (!error || (error.field && fields.includes(error.field))) return null;
    return html`<p class="error" role="alert">${errorText(error)}</p>`;
}

export function fieldError(error, name) {
    return error && error.field === name ? error : null;
}

/* A labelled control; `error` (an ApiError naming this field) is shown beside it and
   tied to it with aria-describedby. `value` is the initial value only (default* props):
   drawing the form again, say with an error, keeps what the person typed. */
export function Field({ name, label, type = "text", error, value, options, required, hint, autocomplete, rows, multiple, disabled, onChange, list }) {
    const id = `f-${name.replace(/[^\w-]/g, "-")}`;
    const err = fieldError(error, name);
    const described = [hint ? `${id}-hint` : "", err ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;
    const common = { id, name, required, disabled, onChange, "aria-invalid": err ? "true" : undefined, "aria-describedby": described };
    let control;
    if (options) {
        control = html`<select ...${common} multiple=${multiple}>
            ${options.map((o) => html`<option value=${o.value} defaultSelected=${multiple ? (value || []).includes(o.value) : o.value === (value ?? "")}>${o.label}</option>`)}
        </select>`;
    } else if (type === "textarea") {
        control = html`<textarea ...${common} rows=${rows || 4} defaultValue=${value ?? ""}></textarea>`;
    } else if (type === "checkbox") {
        control = html`<input ...${common} type="checkbox" value="true" defaultChecked=${!!value} />`;
    } else {
        control = html`<input ...${common} type=${type} defaultValue=${value ?? ""} autocomplete=${autocomplete} list=${list} />`;
    }
    return html`<div class=${`field${type === "checkbox" ? " check" : ""}`}>
        <label for=${id}>${label}</label>
        ${control}
        ${hint ? html`<p class="hint" id=${`${id}-hint`}>${hint}</p>` : null}
        ${err ? html`<p class="error" id=${`${id}-error`}>${errorText(err)}</p>` : null}
    </div>`;
}

/* Moves focus to the control the error names, or to the form's alert. */
export function focusError(form, error) {
    if (!form) return;
    const el = (error && error.field && form.querySelector(`[name="${CSS.escape(error.field)}"]`)) || form.querySelector("[role=alert]");
    if (el) el.focus();
}

export function options(group, values, empty) {
    const out = values.map((v) => ({ value: v, label: tv(group, v) }));
    return empty === undefined ? out : [{ value: "", label: empty }, ...out];
}

export function Tlp({ tlp }) {
    return html`<span class=${`tlp tlp-${(tlp || "").replace("+", "-")}`}>${tv("tlp", tlp)}</span>`;
}

/* "Next page" by the list's cursor, and back to the first page. */
export function Pager({ next }) {
    const cursor = new URLSearchParams(location.search).get("cursor");
    if (!next && !cursor) return null;
    return html`<nav class="pager" aria-label=${t("list.pages")}>
        ${cursor ? html`<a href=${withQuery({ cursor: "" })}>${t("list.first")}</a>` : null}
        ${next ? html`<a href=${withQuery({ cursor: next })} rel="next">${t("list.next")}</a>` : null}
    </nav>`;
}

export function Loading() {
    return html`<p role="status">${t("common.loading")}</p>`;
}

/* Reads a form into an object, leaving out empty strings. */
export function formValues(form) {
    const out = {};
    for (const el of form.elements) {
        if (!el.name || el.disabled || el.type === "file") continue;
        if (el.type === "checkbox") {
            if (el.value === "true") out[el.name] = el.checked;
            else if (el.checked) (out[el.name] = out[el.name] || []).push(el.value);
        } else if (el.type === "radio") {
            if (el.checked) out[el.name] = el.value;
        } else if (el.type === "select-multiple") {
            const v = [...el.selectedOptions].map((o) => o.value);
            if (v.length) out[el.name] = v;
        } else if (el.value !== "") {
            out[el.name] = el.value;
        }
    }
    return out;
}

/* Where a federated object came from (its `origin`: the peer node and its state); such
   an object is read-only here, so views show this instead of their editing controls. */
export function Origin({ origin }) {
    if (!origin) return null;
    return html`<p class="origin" role="note"><strong>${t("origin.label")}</strong>${" "}
        ${t("origin.from", { name: origin.name || origin.peer, state: origin.state || t("origin.removed") })}${" "}
        ${t("origin.read_only")}</p>`;
}
