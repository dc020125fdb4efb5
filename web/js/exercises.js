// The exercise marks of the players' screens: an object that belongs to a run (its
// `exercise` field) carries the run's banner text on its list row and its page, and a
// user who takes part in a running or paused run sees its banner atop every screen.
import { html, Component } from "./lib.js";
import { t, tv, language } from "./i18n.js";
import { get } from "./api.js";

const runs = new Map();  /* run id -> promise of GET /exercises/{id}, once per page load */
const listeners = new Set();

/* The run id as GET /exercises/{id} shows it (cached); rejects when the caller may not see it. */
export function exerciseRun(id) {
    if (!runs.has(id)) {
        const p = get(`/exercises/${encodeURIComponent(id)}`);
        p.catch(() => runs.delete(id));
        runs.set(id, p);
    }
    return runs.get(id);
}

/* After a run was started, paused, resumed or finished: the marks and the top banner read again. */
export function exercisesChanged() {
    runs.clear();
    for (const fn of listeners) fn();
}

/* A text of o in the user's language: o[name_ja] in Japanese when there is one. */
export function inLanguage(o, name) {
    if (!o) return "";
    return (language() === "ja" && o[`${name}_ja`]) || o[name] || "";
}

/* The mark of an object of run `id`: its banner text beside a list row (block: false)
   or as a note at the top of the object's page (block: true). */
export class ExerciseMark extends Component {
    constructor() {
        super();
        this.state = { run: null };
    }

    async componentDidMount() {
        try {
            this.setState({ run: await exerciseRun(this.props.id) });
        } catch (e) {
            this.setState({ run: null });  /* the generic mark is shown */
        }
    }

    render({ block }, { run }) {
        const text = run ? inLanguage(run, "banner") : t("exercise.mark");
        if (block) return html`<p class="exercise-banner" role="note"><strong>${text}</strong></p>`;
        return html` <span class="exercise-mark">${text}</span>`;
    }
}

/* The banners of the running and paused runs the signed-in user takes part in (as a
   player's organization or user, or as the facilitating organization), read again on
   each new screen. */
export class ActiveExercises extends Component {
    constructor() {
        super();
        this.state = { mine: [], loaded: false };
    }

    componentDidMount() {
        listeners.add(this.load);
        this.load();
    }

    componentWillUnmount() {
        listeners.delete(this.load);
    }

    componentDidUpdate(prev) {
        if (prev.path !== this.props.path) this.load();
    }

    load = async () => {
        const { user } = this.props;
        try {
            const list = await get("/exercises?limit=100");
            const live = list.items.filter((x) => x.status === "running" || x.status === "paused");
            const views = await Promise.all(live.map((x) => get(`/exercises/${x.id}`)));
            const mine = views.filter((v) => v.organization === user.organization
                || (v.players || []).some((p) => p.organization === user.organization || p.user === user.id));
            this.setState({ mine, loaded: true });
        } catch (e) {
            this.setState({ mine: [], loaded: true });  /* no banner is better than an error on every screen */
        }
    };

    /* data-loaded tells (the browser tests) that the runs were read: no banner then means none. */
    render(_, { mine, loaded }) {
        return html`<div class="exercise-banners" data-loaded=${String(loaded)}>
            ${mine.length ? html`<div class="exercise-banner top" role="note" aria-label=${t("exercise.banner_label")}>
                ${mine.map((v) => html`<p><strong>${inLanguage(v, "banner")}</strong>${" "}
                    <a href=${`/exercises/${v.id}`}>${t("exercise.banner_run", { title: v.title, status: tv("exstatus", v.status) })}</a></p>`)}
            </div>` : null}</div>`;
    }
}
