// Sign in (e-mail and password, then the second factor when the account has one) and
// setting a password from the one-time link that `kizuna user add` / `user reset` print.
import { html, Component, createRef } from "../lib.js";
import { t } from "../i18n.js";
import { post, ApiError } from "../api.js";
import { Heading, Field, FormError, focusError, formValues, errorText } from "../ui.js";

export class SignIn extends Component {
    constructor() {
        super();
        this.state = { error: null, busy: false, totp: false, email: "", password: "" };
        this.form = createRef();
    }

    submit = async (e) => {
        e.preventDefault();
        const v = formValues(this.form.current);
        const body = { email: v.email || this.state.email, password: v.password || this.state.password };
        if (this.state.totp) body.totp = v.totp || "";
        this.setState({ busy: true, error: null });
        try {
            const s = await post("/session", body);
            await this.props.app.signedIn(s, this.props.query.get("next"));
        } catch (err) {
            if (err instanceof ApiError && err.status === 401 && err.field === "totp" && !this.state.totp) {
                this.setState({ busy: false, totp: true, email: body.email, password: body.password });
                return;
            }
            this.setState({ busy: false, error: err });
            focusError(this.form.current, err);
        }
    };

    render(_, { error, busy, totp, email }) {
        const wrong = error && error.status === 401 && error.field !== "totp" ? t("signin.wrong") : null;
        const shown = wrong ? null : error;
        if (totp) {
            return html`<section class="narrow">
                <${Heading} text=${t("signin.totp_title")} />
                <p>${t("signin.totp_text")}</p>
                <form ref=${this.form} onSubmit=${this.submit} novalidate>
                    <${Field} name="totp" label=${t("signin.totp")} autocomplete="one-time-code" required=${true}
                        error=${error} hint=${t("signin.totp_hint")} />
                    <${FormError} error=${error} fields=${["totp"]} />
                    <button type="submit" disabled=${busy}>${t("signin.verify")}</button>
                </form>
            </section>`;
        }
        return html`<section class="narrow">
            <${Heading} text=${t("signin.title")} />
            <form ref=${this.form} onSubmit=${this.submit} novalidate>
                <${Field} name="email" type="email" label=${t("signin.email")} autocomplete="username" required=${true}
                    value=${email} error=${shown} />
                <${Field} name="password" type="password" label=${t("signin.password")} autocomplete="current-password"
                    required=${true} error=${shown} />
                ${wrong ? html`<p class="error" role="alert" tabindex="-1">${wrong}</p>` : html`<${FormError} error=${shown} fields=${["email", "password"]} />`}
                <button type="submit" disabled=${busy}>${t("signin.submit")}</button>
            </form>
        </section>`;
    }
}

export class SetPassword extends Component {
    constructor() {
        super();
        this.state = { error: null, done: false, busy: false };
        this.form = createRef();
    }

    submit = async (e) => {
        e.preventDefault();
        const v = formValues(this.form.current);
        if ((v.password || "") !== (v.confirm || "")) {
            const error = new ApiError(400, { error: { code: "invalid", field: "confirm", message: t("password.mismatch") } });
            this.setState({ error });
            focusError(this.form.current, error);
            return;
        }
        this.setState({ busy: true, error: null });
        try {
            await post("/password", { token: this.props.query.get("token") || "", password: v.password || "" });
            this.setState({ done: true, busy: false });
        } catch (err) {
            this.setState({ error: err, busy: false });
            focusError(this.form.current, err);
        }
    };

    render(_, { error, done, busy }) {
        if (done) {
            return html`<section class="narrow">
                <${Heading} text=${t("password.done_title")} />
                <p role="status">${t("password.done")}</p>
                <p><a href="/sign-in">${t("signin.title")}</a></p>
            </section>`;
        }
        const tokenError = error && error.field === "token" ? errorText(error) : null;
        return html`<section class="narrow">
            <${Heading} text=${t("password.title")} />
            <p>${t("password.text")}</p>
            <form ref=${this.form} onSubmit=${this.submit} novalidate>
                <${Field} name="password" type="password" label=${t("password.new")} autocomplete="new-password"
                    required=${true} error=${error} hint=${t("password.hint")} />
                <${Field} name="confirm" type="password" label=${t("password.confirm")} autocomplete="new-password"
                    required=${true} error=${error} />
                ${tokenError ? html`<p class="error" role="alert">${tokenError}</p>` : html`<${FormError} error=${error} fields=${["password", "confirm"]} />`}
                <button type="submit" disabled=${busy}>${t("password.submit")}</button>
            </form>
        </section>`;
    }
}
