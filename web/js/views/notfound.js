// The page for a path the UI does not know.
import { html } from "../lib.js";
import { t } from "../i18n.js";
import { Heading } from "../ui.js";

export function NotFound() {
    return html`<${Heading} text=${t("notfound.title")} /><p>${t("notfound.text")}</p><p><a href="/">${t("nav.home")}</a></p>`;
}
