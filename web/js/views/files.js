// Files in and out: a CSV feed or a STIX 2.1 bundle uploaded to POST
// /indicators/import with the upload's progress shown, the importer's answer (or its
// error, with the file's line, beside the file field); and the download links of the
// incident and indicator lists, which carry the list's filters to the export calls.
import { html, Component, createRef } from "../lib.js";
import { t } from "../i18n.js";
import { upload, query } from "../api.js";
import { organizations } from "../orgs.js";
import { Heading, Field, FormError, formValues, Loading, errorText } from "../ui.js";
import { TlpPicker } from "./tlp.js";

const FORMATS = ["csv", "stix"];

/* Download links for the list at endpoint ("/indicators"), with the list's filters. */
export function Downloads({ endpoint, filters }) {
    return html`<ul class="downloads" aria-label=${t("export.label")}>${FORMATS.map((f) => html`<li>
        <a href=${`/api/v1${endpoint}/export${query({ ...filters, format: f })}`} download>${t(`export.${f}`)}</a></li>`)}</ul>`;
}

export class ImportPage extends Component {
    constructor() {
        super();
        this.state = { orgs: null, error: null, sent: null, total: 0, importing: false, done: null };
        this.form = createRef();
        this.status = createRef();
    }

    async componentDidMount() {
        try {
            this.setState({ orgs: await organizations() });
        } catch (error) {
            this.setState({ error });
        }
    }

    /* A .json file is most likely a STIX bundle: the format follows the file chosen. */
    chosen = (e) => {
        const f = e.target.files[0];
        const select = this.form.current && this.form.current.querySelector("select[name=format]");
        if (f && select) select.value = /\.json(\.gz)?$/i.test(f.name) ? "stix" : "csv";
    };

    submit = async (e) => {
        e.preventDefault();
        const form = this.form.current;
        const file = form.querySelector("input[type=file]").files[0];
        const v = formValues(form);
        if (!file) {
            this.setState({ error: { status: 400, field: "file", message: t("import.choose_file") }, done: null });
            form.querySelector("input[type=file]").focus();
            return;
        }
        const params = { format: v.format, tlp: v.tlp, name: file.name, allow_clients: v.allow_clients ? "true" : "",
            dry_run: v.dry_run ? "true" : "", recipients: (v.recipients || []).join(",") };
        this.setState({ error: null, done: null, sent: 0, total: file.size, importing: false });
        try {
            const done = await upload(`/indicators/import${query(params)}`, file, (sent, total) =>
                this.setState({ sent, total, importing: sent >= total }));
            this.setState({ done, sent: null, importing: false });
            if (this.status.current) this.status.current.focus();
        } catch (error) {
            // the importer's errors name the file's column, the page shows them at the file
            const shown = error.status === 400 && error.field !== "tlp" && !String(error.field || "").startsWith("recipients")
                ? Object.assign(error, { field: "file" }) : error;
            this.setState({ error: shown, sent: null, importing: false });
            const el = form.querySelector(shown.field === "file" ? "input[type=file]" : "[role=alert]");
            if (el) el.focus();
        }
    };

    result(done) {
        if (!done) return "";
        if (done.format === "csv") return t(done.dry_run ? "import.checked_csv" : "import.done_csv", done);
        return t(done.dry_run ? "import.checked_stix" : "import.done_stix", done);
    }

    render(_, { orgs, error, sent, total, importing, done }) {
        if (!orgs) return error ? html`<${Heading} text=${t("import.title")} /><p class="error" role="alert">${errorText(error)}</p>` : html`<${Loading} />`;
        const percent = sent === null ? 0 : Math.floor((100 * sent) / (total || 1));
        const ferr = error && error.field === "file";
        return html`
            <${Heading} text=${t("import.title")} />
            <form ref=${this.form} onSubmit=${this.submit} novalidate>
                <div class="field">
                    <label for="f-file">${t("import.file")}</label>
                    <input type="file" id="f-file" name="file" accept=".csv,.txt,.json,.gz" onChange=${this.chosen} aria-invalid=${ferr ? "true" : undefined}
                        aria-describedby=${`f-file-hint${ferr ? " f-file-error" : ""}`} />
                    <p class="hint" id="f-file-hint">${t("import.file_hint")}</p>
                    ${ferr ? html`<p class="error" id="f-file-error">${errorText(error)}</p>` : null}
                </div>
                <${Field} name="format" label=${t("import.format")} value="csv" options=${FORMATS.map((f) => ({ value: f, label: t(`import.format_${f}`) }))} />
                <${TlpPicker} error=${error} value="amber" recipients=${true} orgs=${orgs} audience=${true} />
                <${Field} name="dry_run" type="checkbox" label=${t("import.dry_run")} />
                <${FormError} error=${error} fields=${["file", "tlp", "recipients"]} />
                ${sent !== null ? html`<div class="field">
                    <label for="f-progress">${t("import.progress")}</label>
                    <progress id="f-progress" max="100" value=${percent}>${percent}%</progress>
                    <p role="status">${importing ? t("import.importing") : t("import.uploading", { percent })}</p>
                </div>` : null}
                <p role="status" tabindex="-1" ref=${this.status}>${this.result(done)}</p>
                ${done && done.rejected_objects && done.rejected_objects.length ? html`<ul aria-label=${t("import.rejected_list")}>
                    ${done.rejected_objects.map((o) => html`<li>${t("import.rejected", { id: o.id, message: o.field ? `${o.field}: ${o.message}` : o.message })}</li>`)}</ul>` : null}
                <button type="submit" disabled=${sent !== null}>${t("import.submit")}</button>
            </form>`;
    }
}
