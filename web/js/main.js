// The application shell: who is signed in, the language, the main navigation and the
// view for the current URL (routes below). Views that need no session are marked public.
import { html, render, Component } from "./lib.js";
import { t, setLanguage, setTimeZone, language, LANGUAGES } from "./i18n.js";
import { get, del, patch, setCsrf } from "./api.js";
import { startRouter, onNavigate, match, navigate } from "./router.js";
import { focusPolicy } from "./ui.js";
import { SignIn, SetPassword } from "./views/signin.js";
import { MyWork } from "./views/home.js";
import { RequestList, RequestPage, RequestNew } from "./views/requests.js";
import { IncidentList, IncidentPage, IncidentNew, IndicatorList, IndicatorNew, IndicatorPage } from "./views/incidents.js";
import { Directory, ContactPage, ContactNew, ContactEdit } from "./views/directory.js";
import { OrgList, OrgNew, OrgEdit } from "./views/organizations.js";
import { ImportPage } from "./views/files.js";
import { CheckList, CheckNew, CheckPage } from "./views/checks.js";
import { Statistics } from "./views/stats.js";
import { StatementList, StatementPage, StatementNew } from "./views/statements.js";
import { NormList, NormPage, Library, LibraryCompare, DocumentPage } from "./views/library.js";
import { SurveyList, SurveyPage } from "./views/surveys.js";
import { AdminUsers, AdminKeys, AdminSettings, AdminAudit } from "./views/admin.js";
import { AdminPeers } from "./views/peers.js";
import { ScenarioList, ScenarioPage, ScenarioNew } from "./views/scenarios.js";
import { ExerciseList, ExerciseNew, ExerciseControl, ExerciseReport } from "./views/exercises.js";
import { ActiveExercises } from "./exercises.js";
import { NotFound } from "./views/notfound.js";

const ROUTES = [
    { path: "/sign-in", view: SignIn, public: true },
    { path: "/set-password", view: SetPassword, public: true },
    { path: "/", view: MyWork, nav: "home" },
    { path: "/requests", view: RequestList, nav: "requests" },
    { path: "/requests/new", view: RequestNew, nav: "requests" },
    { path: "/requests/:id", view: RequestPage, nav: "requests" },
    { path: "/incidents", view: IncidentList, nav: "incidents" },
    { path: "/incidents/new", view: IncidentNew, nav: "incidents" },
    { path: "/incidents/:id", view: IncidentPage, nav: "incidents" },
    { path: "/indicators", view: IndicatorList, nav: "indicators" },
    { path: "/indicators/new", view: IndicatorNew, nav: "indicators" },
    { path: "/indicators/:id", view: IndicatorPage, nav: "indicators" },
    { path: "/import", view: ImportPage, nav: "indicators" },
    { path: "/directory", view: Directory, nav: "directory" },
    { path: "/directory/new", view: ContactNew, nav: "directory" },
    { path: "/directory/:id", view: ContactPage, nav: "directory" },
    { path: "/directory/:id/edit", view: ContactEdit, nav: "directory" },
    { path: "/organizations", view: OrgList, nav: "directory" },
    { path: "/organizations/new", view: OrgNew, nav: "directory" },
    { path: "/organizations/:id", view: OrgEdit, nav: "directory" },
    { path: "/checks", view: CheckList, nav: "checks" },
    { path: "/checks/new", view: CheckNew, nav: "checks" },
    { path: "/checks/:id", view: CheckPage, nav: "checks" },
    { path: "/statements", view: StatementList, nav: "statements" },
    { path: "/statements/new", view: StatementNew, nav: "statements" },
    { path: "/statements/:id", view: StatementPage, nav: "statements" },
    { path: "/statistics", view: Statistics, nav: "statistics" },
    { path: "/norms", view: NormList, nav: "norms" },
    { path: "/norms/:letter", view: NormPage, nav: "norms" },
    { path: "/library", view: Library, nav: "library" },
    { path: "/library/compare", view: LibraryCompare, nav: "library" },
    { path: "/library/:id", view: DocumentPage, nav: "library" },
    { path: "/scenarios", view: ScenarioList, nav: "exercises" },
    { path: "/scenarios/new", view: ScenarioNew, nav: "exercises" },
    { path: "/scenarios/:id", view: ScenarioPage, nav: "exercises" },
    { path: "/exercises", view: ExerciseList, nav: "exercises" },
    { path: "/exercises/new", view: ExerciseNew, nav: "exercises" },
    { path: "/exercises/:id", view: ExerciseControl, nav: "exercises" },
    { path: "/exercises/:id/report", view: ExerciseReport, nav: "exercises" },
    { path: "/surveys", view: SurveyList, nav: "surveys" },
    { path: "/surveys/:id", view: SurveyPage, nav: "surveys" },
    { path: "/admin", view: AdminUsers, nav: "admin" },
    { path: "/admin/users", view: AdminUsers, nav: "admin" },
    { path: "/admin/keys", view: AdminKeys, nav: "admin" },
    { path: "/admin/peers", view: AdminPeers, nav: "admin" },
    { path: "/admin/settings", view: AdminSettings, nav: "admin" },
    { path: "/admin/audit", view: AdminAudit, nav: "admin" },
];
const NAV = [["home", "/"], ["requests", "/requests"], ["incidents", "/incidents"], ["indicators", "/indicators"],
    ["directory", "/directory"], ["checks", "/checks"], ["statements", "/statements"], ["statistics", "/statistics"], ["norms", "/norms"], ["library", "/library"], ["surveys", "/surveys"], ["exercises", "/exercises"], ["admin", "/admin/users", "admin"]];
const LANGUAGE_KEY = "kizuna.language";

class App extends Component {
    constructor() {
        super();
        this.state = { ready: false, user: null };
    }

    async componentDidMount() {
        onNavigate(() => this.setState({}));
        startRouter();
        let user = null;
        try {
            const s = await get("/session");
            user = s.user;
            setCsrf(s.csrf);
        } catch (e) {
            user = null;
        }
        await this.applyUser(user);
        this.setState({ ready: true });
    }

    /* The language is the signed-in user's setting; before sign-in, the one last chosen
       in this browser, else the browser's. */
    async applyUser(user) {
        const chosen = localStorage.getItem(LANGUAGE_KEY);
        const lang = (user && user.language) || chosen || (navigator.language.startsWith("ja") ? "ja" : "en");
        setTimeZone(user && user.time_zone);
        await setLanguage(lang);
        this.setState({ user });
    }

    /* Called by the sign-in view with the session's answer. */
    signedIn = async (s, next) => {
        setCsrf(s.csrf);
        await this.applyUser(s.user);
        navigate(next && next.startsWith("/") && !next.startsWith("//") ? next : "/", { replace: true });
    };

    signOut = async () => {
        try {
            await del("/session");
        } catch (e) {
            /* signed out already */
        }
        setCsrf(null);
        this.setState({ user: null });
        navigate("/sign-in", { replace: true });
    };

    changeLanguage = async (e) => {
        const lang = e.target.value;
        localStorage.setItem(LANGUAGE_KEY, lang);
        let user = this.state.user;
        if (user) {
            try {
                user = (await patch("/session", { language: lang })).user;
            } catch (err) {
                user = { ...user, language: lang }; /* this page still follows the choice */
            }
        }
        await setLanguage(lang);
        focusPolicy.keep = true;
        this.setState({ user }, () => document.getElementById("language").focus());
    };

    render(_, { ready, user }) {
        if (!ready) return null;
        const found = match(ROUTES, location.pathname);
        const route = found ? found.route : { view: NotFound };
        if (!route.public && !user) {
            const next = location.pathname + location.search;
            queueMicrotask(() => navigate(`/sign-in${next === "/" ? "" : `?next=${encodeURIComponent(next)}`}`, { replace: true }));
            return null;
        }
        const View = route.view;
        const key = location.pathname + location.search + language();
        return html`
            <a class="skip" href="#main">${t("nav.skip")}</a>
            ${user ? html`<${ActiveExercises} user=${user} path=${location.pathname} />` : null}
            <header class="top">
                <span class="brand">${t("app.name")}</span>
                ${user ? html`<nav aria-label=${t("nav.main")}>
                    <ul>${NAV.filter((n) => !n[2] || user.role === n[2]).map(([name, href]) => html`<li><a href=${href}
                        aria-current=${route.nav === name ? "page" : undefined}>${t(`nav.${name}`)}</a></li>`)}</ul>
                </nav>` : null}
                <div class="tools">
                    <label for="language">${t("nav.language")}</label>
                    <select id="language" onChange=${this.changeLanguage}>
                        ${LANGUAGES.map((l) => html`<option value=${l} selected=${l === language()}>${t(`language.${l}`)}</option>`)}
                    </select>
                    ${user ? html`<span class="who">${user.name || user.email}</span>
                        <button type="button" onClick=${this.signOut}>${t("nav.sign_out")}</button>` : null}
                </div>
            </header>
            <main id="main">
                <${View} key=${key} params=${found ? found.params : {}} query=${new URLSearchParams(location.search)}
                    user=${user} app=${this} />
            </main>`;
    }
}

render(html`<${App} />`, document.getElementById("app"));
