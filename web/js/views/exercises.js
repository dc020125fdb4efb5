// Runs of table-top exercises: the runs the caller facilitates or plays in, a new run
// (the scenario's roles given to organizations), the facilitator's control view (the
// exercise clock, start/pause/resume/finish and the speed, injects triggered early, the
// timeline, the expectations' live status and the evaluator's marks) and the printable
// after-action report with the evaluators' observations and corrective actions.
import { html, Component, createRef } from "../lib.js";
import { t, tv, language, formatTime, formatNumber } from "../i18n.js";
import { get, post, patch } from "../api.js";
import { navigate, withQuery } from "../router.js";
import { organizations, orgName } from "../orgs.js";
import { exercisesChanged, inLanguage } from "../exercises.js";
import { injectWhen, roleName } from "./scenarios.js";
import { Heading, Field, FormError, focusError, formValues, options, Tlp, Loading, errorText } from "../ui.js";

const RESULTS = ["met", "late", "missed"];
const REFRESH_MS = 5000;

/* Exercise minutes as h:mm:ss. */
export function clock(minutes) {
    const s = Math.max(0, Math.floor((minutes || 0) * 60));
    const pad = (n) => String(n).padStart(2, "0");
    return `${Math.floor(s / 3600)}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
}

const minutesText = (m) => (m === null || m === undefined ? "—" : t("expect.minutes", { minutes: formatNumber(m, { maximumFractionDigits: 1 }) }));
const facilitates = (run, user) => user.role === "admin" || (run && run.organization === user.organization);

export class ExerciseList extends Component {
    constructor() {
        super();
        this.state = { page: null, error: null };
    }

    async componentDidMount() {
        try {
            this.setState({ page: await get("/exercises?limit=100") });
        } catch (error) {
            this.setState({ error });
        }
    }

    render({ user }, { page, error }) {
        let body;
        if (error) body = html`<p class="error" role="alert">${errorText(error)}</p>`;
        else if (!page) body = html`<${Loading} />`;
        else if (!page.items.length) body = html`<p>${t("list.empty")}</p>`;
        else body = html`<table><caption class="visually-hidden">${t("exercises.title")}</caption>
            <thead><tr><th scope="col">${t("scenario.title_field")}</th><th scope="col">${t("exercise.status")}</th>
                <th scope="col">${t("exercise.speed")}</th><th scope="col">${t("exercise.started")}</th><th scope="col">${t("exercise.report")}</th></tr></thead>
            <tbody>${page.items.map((x) => html`<tr><td><a href=${`/exercises/${x.id}`}>${x.title}</a></td>
                <td>${tv("exstatus", x.status)}</td><td>${x.speed}</td>
                <td>${x.started_at ? html`<time datetime=${x.started_at}>${formatTime(x.started_at)}</time>` : "—"}</td>
                <td><a href=${`/exercises/${x.id}/report`}>${t("exercise.report_of", { title: x.title })}</a></td></tr>`)}</tbody></table>`;
        return html`
            <${Heading} text=${t("exercises.title")} />
            <p class="moves"><a href="/scenarios">${t("scenarios.title")}</a>
                ${user.role !== "viewer" ? html`<a class="button" href="/exercises/new">${t("exercises.new")}</a>` : null}</p>
            ${body}`;
    }
}

/* A new run: the scenario (from the query string), an organization for each role (none:
   an exercise-only organization is made for it), for an admin (who may list users) the
   user who plays it, and the speed. */
export class ExerciseNew extends Component {
    constructor() {
        super();
        this.state = { list: null, s: null, orgs: null, error: null, loadError: null, busy: false, chosen: {}, users: {} };
        this.form = createRef();
    }

    /* The organization chosen for role i; its users are read once (GET /users is for admins). */
    choose = async (i, org) => {
        this.setState({ chosen: { ...this.state.chosen, [i]: org } });
        if (!org || this.props.user.role !== "admin" || this.state.users[org]) return;
        try {
            const page = await get(`/users?organization=${encodeURIComponent(org)}&limit=1000`);
            this.setState({ users: { ...this.state.users, [org]: page.items } });
        } catch (error) {
            this.setState({ error });
        }
    };

    async componentDidMount() {
        const id = this.props.query.get("scenario");
        try {
            const [list, s, orgs] = await Promise.all([get("/scenarios"), id ? get(`/scenarios/${encodeURIComponent(id)}`) : null, organizations()]);
            this.setState({ list: list.items, s, orgs });
        } catch (loadError) {
            this.setState({ loadError });
        }
    }

    submit = async (e) => {
        e.preventDefault();
        const v = formValues(this.form.current);
        const players = this.state.s.roles.map((r, i) => ({ role: r.id, organization: v[`players[${i}].organization`], user: v[`players[${i}].user`] || undefined }))
            .filter((p) => p.organization);
        const body = { scenario: this.state.s.id, players };
        if (v.speed) body.speed = /^\d+$/.test(v.speed) ? Number(v.speed) : v.speed;
        this.setState({ busy: true, error: null });
        try {
            const run = await post("/exercises", body);
            navigate(`/exercises/${run.id}`);
        } catch (error) {
            const m = error.field && /^players\[(\d+)\](?:\.(user))?/.exec(error.field);
            const p = m && players[Number(m[1])];
            if (p) error.field = `players[${this.state.s.roles.findIndex((r) => r.id === p.role)}].${m[2] || "organization"}`;
            this.setState({ busy: false, error });
            focusError(this.form.current, error);
        }
    };

    render({ user }, { list, s, orgs, error, loadError, busy, chosen, users }) {
        if (loadError) return html`<${Heading} text=${t("exercises.new")} /><p class="error" role="alert">${errorText(loadError)}</p>`;
        if (!list) return html`<${Loading} />`;
        const choices = list.map((x) => ({ value: x.id, label: inLanguage(x, "title") }));
        const orgChoices = [{ value: "", label: t("exercise.made_org") }, ...[...orgs.values()].map((o) => ({ value: o.id, label: `${o.name} (${o.state})` }))];
        const admin = user.role === "admin";
        const names = ["speed", ...(s ? s.roles.flatMap((r, i) => [`players[${i}].organization`, ...(admin ? [`players[${i}].user`] : [])]) : [])];
        const userChoices = (org) => [{ value: "", label: t("exercise.any_user") },
            ...((org && users[org]) || []).map((u) => ({ value: u.id, label: `${u.name} <${u.email}>` }))];
        return html`
            <${Heading} text=${t("exercises.new")} />
            <form class="filters" aria-label=${t("exercise.choose_scenario")} onSubmit=${(e) => {
                e.preventDefault();
                navigate(withQuery({ scenario: formValues(e.target).scenario || "" }));
            }}>
                <${Field} name="scenario" label=${t("exercise.scenario")} value=${s ? s.id : ""} options=${[{ value: "", label: t("list.choose") }, ...choices]} />
                <button type="submit">${t("exercise.choose")}</button>
            </form>
            ${s ? html`<form ref=${this.form} onSubmit=${this.submit} novalidate>
                <p class="exercise-banner" role="note"><strong>${inLanguage(s, "banner")}</strong></p>
                <fieldset class="field"><legend>${t("exercise.players")}</legend>
                    <p class="hint">${t("exercise.players_hint")}</p>
                    ${s.roles.map((r, i) => html`<${Field} name=${`players[${i}].organization`} label=${inLanguage(r, "name")}
                        options=${orgChoices} error=${error} onChange=${(e) => this.choose(i, e.target.value)} />
                        ${admin ? html`<${Field} name=${`players[${i}].user`} label=${t("exercise.player_user", { role: inLanguage(r, "name") })}
                            options=${userChoices(chosen[i])} disabled=${!chosen[i]} error=${error} />` : null}`)}
                </fieldset>
                <${Field} name="speed" type="number" label=${t("exercise.speed")} value="1" error=${error} hint=${t("exercise.speed_hint")} />
                <${FormError} error=${error} fields=${names} />
                <button type="submit" disabled=${busy}>${t("exercise.create")}</button>
            </form>` : null}`;
    }
}

/* The moves of the run's state machine the control view offers. */
const MOVES = { scheduled: ["start"], running: ["pause", "finish"], paused: ["resume", "finish"], finished: [] };

export class ExerciseControl extends Component {
    constructor() {
        super();
        this.state = { run: null, s: null, report: null, orgs: null, error: null, actionError: null, done: null, busy: false, fetched: 0, now: 0 };
        this.form = createRef();
        this.status = createRef();
    }

    async componentDidMount() {
        try {
            await this.load();
        } catch (error) {
            this.setState({ error });
            return;
        }
        this.tick = setInterval(() => this.setState({ now: Date.now() }), 1000);
        this.poll = setInterval(() => {
            if (this.state.run && this.state.run.status === "running") this.load().catch(() => {});
        }, REFRESH_MS);
    }

    componentWillUnmount() {
        clearInterval(this.tick);
        clearInterval(this.poll);
    }

    async load() {
        const id = encodeURIComponent(this.props.params.id);
        const run = await get(`/exercises/${id}`);
        const [s, report, orgs, messages] = await Promise.all([this.state.s || get(`/scenarios/${encodeURIComponent(run.scenario)}`),
            get(`/exercises/${id}/report`), this.state.orgs || organizations(), get(`/exercises/${id}/messages`)]);
        this.setState({ run, s, report, orgs, messages: messages.items, fetched: Date.now(), now: Date.now() });
    }

    act = async (path, body, done) => {
        this.setState({ busy: true, actionError: null, done: null });
        try {
            await post(`/exercises/${this.state.run.id}/${path}`, body);
            await this.load();
            exercisesChanged();
            this.setState({ busy: false, done });
        } catch (actionError) {
            this.setState({ busy: false, actionError });
            if (actionError.field === "speed") {
                focusError(this.form.current, actionError);
                return;
            }
        }
        if (this.status.current) this.status.current.focus();
    };

    move = (op) => {
        const v = formValues(this.form.current);
        const body = {};
        if ((op === "start" || op === "resume") && v.speed) body.speed = /^\d+$/.test(v.speed) ? Number(v.speed) : v.speed;
        this.act(op, body, t("exercise.moved", { status: tv("exmove", op) }));
    };

    mark = (e, x) => {
        e.preventDefault();
        const v = formValues(e.target);
        const note = v[`note-${x.id}`];
        this.act("marks", { expectation: x.id, result: v[`result-${x.id}`], ...(note ? { note } : {}) },
            t("exercise.marked", { title: inLanguage(x, "title") }));
    };

    render({ user }, { run, s, report, orgs, messages, error, actionError, done, busy, fetched, now }) {
        if (error) return html`<${Heading} text=${t("exercises.title")} /><p class="error" role="alert">${errorText(error)}</p>`;
        if (!run) return html`<${Loading} />`;
        const minutes = run.minutes + (run.status === "running" ? ((now - fetched) / 60000) * run.speed : 0);
        const control = facilitates(run, user);
        const delivered = new Map(run.delivered.map((d) => [d.n, d]));
        return html`
            <${Heading} text=${t("exercise.control_title", { title: inLanguage(s, "title") || run.title })} />
            <p class="exercise-banner" role="note"><strong>${inLanguage(run, "banner")}</strong></p>
            <dl class="facts">
                <dt>${t("exercise.status")}</dt><dd>${tv("exstatus", run.status)}</dd>
                <dt>${t("exercise.clock")}</dt><dd><time class="clock" aria-live="off">${clock(minutes)}</time></dd>
                <dt>${t("exercise.speed")}</dt><dd>${t("exercise.speed_x", { speed: run.speed })}</dd>
                <dt>${t("exercise.started")}</dt><dd>${run.started_at ? formatTime(run.started_at) : "—"}</dd>
                <dt>${t("exercise.score")}</dt><dd>${report ? formatNumber(report.score, { maximumFractionDigits: 1 }) : "—"}</dd>
            </dl>
            <p class="moves"><a href=${`/exercises/${run.id}/report`}>${t("exercise.report_of", { title: run.title })}</a>
                <a href=${`/scenarios/${encodeURIComponent(run.scenario)}`}>${t("exercise.scenario_page")}</a></p>
            <p tabindex="-1" ref=${this.status} role=${actionError ? "alert" : "status"} class=${actionError ? "error" : ""}>${actionError && actionError.field !== "speed" ? errorText(actionError) : done || ""}</p>
            ${control && MOVES[run.status].length ? html`<section aria-labelledby="h-controls"><h2 id="h-controls">${t("exercise.controls")}</h2>
                <form ref=${this.form} onSubmit=${(e) => e.preventDefault()} novalidate>
                    ${run.status !== "running" ? html`<${Field} name="speed" type="number" label=${t("exercise.speed")} value=${String(run.speed)}
                        error=${actionError} hint=${t("exercise.speed_hint")} />` : null}
                    <div class="moves">${MOVES[run.status].map((op) => html`<button type="button" disabled=${busy} onClick=${() => this.move(op)}>${tv("exmove", op)}</button>`)}</div>
                </form></section>` : null}
            <section aria-labelledby="h-players"><h2 id="h-players">${t("exercise.players")}</h2>
                <table><caption class="visually-hidden">${t("exercise.players")}</caption>
                    <thead><tr><th scope="col">${t("expect.role")}</th><th scope="col">${t("contact.organization")}</th></tr></thead>
                    <tbody>${run.players.map((p) => html`<tr><td>${roleName(s, p.role)}</td>
                        <td>${p.made ? t("exercise.made_org") : orgName(orgs, p.organization)}</td></tr>`)}</tbody></table></section>
            <${Messages} items=${messages} s=${s} />
            ${control ? html`<section aria-labelledby="h-injects"><h2 id="h-injects">${t("scenario.injects")}</h2>
                <table><caption class="visually-hidden">${t("scenario.injects")}</caption>
                    <thead><tr><th scope="col">${t("inject.n")}</th><th scope="col">${t("inject.when")}</th><th scope="col">${t("inject.channel")}</th>
                        <th scope="col">${t("inject.to_role")}</th><th scope="col">${t("inject.content")}</th><th scope="col">${t("inject.delivered")}</th></tr></thead>
                    <tbody>${s.injects.map((j) => {
                        const d = delivered.get(j.n);
                        return html`<tr><td>${j.n}</td><td>${injectWhen(j)}</td><td>${tv("channel", j.channel)}</td><td>${roleName(s, j.to_role)}</td>
                            <td>${inLanguage(j, "title")}</td>
                            <td>${d ? html`${t("inject.delivered_at", { clock: clock(d.minutes) })}${d.early ? html` <strong>${t("inject.early")}</strong>` : null}`
                                : control && (run.status === "running" || run.status === "paused")
                                    ? html`<button type="button" disabled=${busy} onClick=${() => this.act(`injects/${j.n}/trigger`, undefined, t("inject.triggered", { n: j.n }))}>${t("inject.trigger_now", { n: j.n })}</button>`
                                    : t("inject.waiting")}</td></tr>`;
                    })}</tbody></table></section>` : null}
            ${report ? html`<${Expectations} report=${report} s=${s} control=${control && run.status !== "scheduled"} busy=${busy} mark=${this.mark} />
                <${Timeline} report=${report} orgs=${orgs} />` : null}`;
    }
}

/* The mail notices and news items the run delivered, as the players read them. */
function Messages({ items, s }) {
    return html`<section aria-labelledby="h-messages"><h2 id="h-messages">${t("exercise.messages")}</h2>
        ${!items || !items.length ? html`<p>${t("report.none")}</p>` : html`<ul class="thread">${items.map((m) => html`<li>
            <strong>${tv("channel", m.channel)}: ${inLanguage(m, "title")}</strong> <${Tlp} tlp=${m.tlp} />
            <span class="hint">${clock(m.minutes)}, ${t("inject.to", { role: roleName(s, m.to_role) })}</span>
            <p class="text">${inLanguage(m, "text")}</p></li>`)}</ul>`}</section>`;
}

function Expectations({ report, s, control, busy, mark }) {
    return html`<section aria-labelledby="h-expectations"><h2 id="h-expectations">${t("scenario.expectations")}</h2>
        <table><caption class="visually-hidden">${t("scenario.expectations")}</caption>
            <thead><tr><th scope="col">${t("expect.title_field")}</th><th scope="col">${t("expect.role")}</th><th scope="col">${t("expect.result")}</th>
                <th scope="col">${t("expect.due")}</th><th scope="col">${t("expect.took")}</th><th scope="col">${t("expect.points")}</th><th scope="col">${t("expect.note")}</th></tr></thead>
            <tbody>${report.expectations.map((x) => html`<tr>
                <td>${inLanguage(x, "title")}${x.kind === "manual" ? html` <span class="hint">(${tv("expkind", "manual")})</span>` : null}</td>
                <td>${roleName(s, x.role)}</td><td><span class=${`result result-${x.result}`}>${tv("exresult", x.result)}</span></td>
                <td>${minutesText(x.due_minutes)}</td><td>${minutesText(x.took_minutes)}</td>
                <td>${t("expect.points_of", { points: formatNumber(x.points, { maximumFractionDigits: 1 }), weight: x.weight })}</td>
                <td>${x.note || ""}${control && x.kind === "manual" ? html`<form class="mark" onSubmit=${(e) => mark(e, x)}
                    aria-label=${t("expect.mark_of", { title: inLanguage(x, "title") })}>
                    <${Field} name=${`result-${x.id}`} label=${t("expect.result")} options=${options("exresult", RESULTS)} value=${x.marked ? x.result : "met"} />
                    <${Field} name=${`note-${x.id}`} label=${t("expect.note")} value=${x.note || ""} />
                    <button type="submit" disabled=${busy}>${t("expect.mark")}</button></form>` : null}</td>
            </tr>`)}</tbody></table></section>`;
}

function Timeline({ report, orgs }) {
    const link = (e) => (e.object_type && e.object_id && ["incident", "request", "check", "indicator"].includes(e.object_type)
        ? html` <a href=${`/${e.object_type}s/${e.object_id}`}>${tv("objtype", e.object_type)}</a>` : null);
    return html`<section aria-labelledby="h-timeline"><h2 id="h-timeline">${t("exercise.timeline")}</h2>
        ${!report.timeline.length ? html`<p>${t("exercise.timeline_empty")}</p>` : html`<table><caption class="visually-hidden">${t("exercise.timeline")}</caption>
            <thead><tr><th scope="col">${t("exercise.clock")}</th><th scope="col">${t("exercise.event")}</th><th scope="col">${t("contact.organization")}</th></tr></thead>
            <tbody>${report.timeline.map((e) => html`<tr><td>${clock(e.minutes)}</td>
                <td>${e.kind === "inject" ? t("exercise.event_inject", { n: e.inject, title: e.title || "" }) : tv("exaction", e.action)}
                    ${e.early ? html` <strong>${t("inject.early")}</strong>` : null}${link(e)}</td>
                <td>${orgName(orgs, e.organization)}</td></tr>`)}</tbody></table>`}</section>`;
}

/* The after-action report: scores per expectation, role and objective, the timeline,
   the observations and corrective actions (added here by the facilitator); printable. */
export class ExerciseReport extends Component {
    constructor() {
        super();
        this.state = { report: null, s: null, orgs: null, error: null, noteError: null, done: null, busy: false, editing: null };
        this.obs = createRef();
        this.action = createRef();
    }

    async componentDidMount() {
        try {
            await this.load();
        } catch (error) {
            this.setState({ error });
        }
    }

    async load() {
        const report = await get(`/exercises/${encodeURIComponent(this.props.params.id)}/report`);
        const [s, orgs] = await Promise.all([this.state.s || get(`/scenarios/${encodeURIComponent(report.exercise.scenario)}`), this.state.orgs || organizations()]);
        this.setState({ report, s, orgs });
    }

    note = async (e, kind) => {
        e.preventDefault();
        const form = e.target;
        const v = formValues(form);
        const body = { text: (kind === "action" ? v.text : v.obs_text) || "" };
        if (kind === "action") {
            if (v.owner) body.owner = v.owner;
            if (v.due) body.due = v.due;
        }
        this.setState({ busy: kind, noteError: null, done: null });
        try {
            await post(`/exercises/${this.state.report.exercise.id}/notes`, body);
            await this.load();
            form.reset();
            this.setState({ busy: false, done: t(kind === "action" ? "report.action_added" : "report.observation_added") });
        } catch (noteError) {
            noteError.kind = kind;
            if (kind === "observation" && noteError.field === "text") noteError.field = "obs_text";
            this.setState({ busy: false, noteError });
            focusError(form, noteError);
        }
    };

    /* Saves the note being edited: PATCH .../notes/{note} with the form's text, owner, due. */
    save = async (e) => {
        e.preventDefault();
        const form = e.target;
        const v = formValues(form);
        const body = { text: v.edit_text || "" };
        if (v.edit_owner) body.owner = v.edit_owner;
        if (v.edit_due) body.due = v.edit_due;
        this.setState({ busy: "edit", noteError: null, done: null });
        try {
            await patch(`/exercises/${this.state.report.exercise.id}/notes/${this.state.editing}`, body);
            await this.load();
            this.setState({ busy: false, editing: null, done: t("report.note_saved") });
        } catch (noteError) {
            noteError.kind = "edit";
            if (noteError.field) noteError.field = `edit_${noteError.field}`;
            this.setState({ busy: false, noteError });
            focusError(form, noteError);
        }
    };

    /* A note's text, or the form that rewrites it; `edit` offers the form to the facilitator. */
    noteBody(n, edit) {
        const { editing, noteError, busy } = this.state;
        if (editing !== n.id) {
            return html`${n.text}${edit ? html` <button type="button" class="small noprint" onClick=${() => this.setState({ editing: n.id, noteError: null })}>${t("report.edit")}<span class="visually-hidden"> ${n.text}</span></button>` : null}`;
        }
        const err = noteError && noteError.kind === "edit" ? noteError : null;
        return html`<form onSubmit=${this.save} novalidate aria-label=${t("report.edit_note")}>
            <${Field} name="edit_text" type="textarea" label=${t(n.kind === "action" ? "report.action" : "report.observation")} value=${n.text} error=${err} rows=${3} />
            <${Field} name="edit_owner" label=${t("report.owner")} value=${n.owner || ""} error=${err} />
            <${Field} name="edit_due" type="date" label=${t("report.due")} value=${n.due ? n.due.slice(0, 10) : ""} error=${err} />
            <${FormError} error=${err} fields=${["edit_text", "edit_owner", "edit_due"]} />
            <div class="moves"><button type="submit" disabled=${!!busy}>${t("report.save")}</button>
                <button type="button" onClick=${() => this.setState({ editing: null, noteError: null })}>${t("report.cancel")}</button></div></form>`;
    }

    render({ user }, { report, s, orgs, error, noteError, done, busy }) {
        if (error) return html`<${Heading} text=${t("report.title_plain")} /><p class="error" role="alert">${errorText(error)}</p>`;
        if (!report) return html`<${Loading} />`;
        const x = report.exercise;
        const control = facilitates(x, user);
        const obs = report.notes.filter((n) => n.kind === "observation"), actions = report.notes.filter((n) => n.kind === "action");
        const err = (kind) => (noteError && noteError.kind === kind ? noteError : null);
        const score = (list, caption, what) => html`<table><caption class="visually-hidden">${caption}</caption>
            <thead><tr><th scope="col">${t(what)}</th><th scope="col">${t("exercise.score")}</th><th scope="col">${tv("exresult", "met")}</th>
                <th scope="col">${tv("exresult", "late")}</th><th scope="col">${tv("exresult", "missed")}</th><th scope="col">${tv("exresult", "pending")}</th></tr></thead>
            <tbody>${list.map((r) => html`<tr><th scope="row">${inLanguage(r, "title")}</th><td>${formatNumber(r.score, { maximumFractionDigits: 1 })}</td>
                <td>${r.met}</td><td>${r.late}</td><td>${r.missed}</td><td>${r.pending}</td></tr>`)}</tbody></table>`;
        return html`
            <${Heading} text=${t("report.title", { title: inLanguage(report, "scenario") })} />
            <p class="exercise-banner" role="note"><strong>${inLanguage(report, "banner")}</strong></p>
            <p class="moves noprint"><button type="button" onClick=${() => window.print()}>${t("report.print")}</button>
                <a href=${`/api/v1/exercises/${x.id}/report?format=html&lang=${language()}`} target="_blank" rel="noopener">${t("report.html")}</a>
                <a href=${`/exercises/${x.id}`}>${t("report.control")}</a></p>
            <dl class="facts"><dt>${t("exercise.status")}</dt><dd>${tv("exstatus", x.status)}</dd>
                <dt>${t("exercise.started")}</dt><dd>${x.started_at ? formatTime(x.started_at) : "—"}</dd>
                <dt>${t("exercise.finished")}</dt><dd>${x.finished_at ? formatTime(x.finished_at) : "—"}</dd>
                <dt>${t("exercise.score")}</dt><dd class="score">${formatNumber(report.score, { maximumFractionDigits: 1 })}</dd></dl>
            <${Expectations} report=${report} s=${s} control=${false} />
            <section aria-labelledby="h-roles"><h2 id="h-roles">${t("report.by_role")}</h2>${score(report.roles, t("report.by_role"), "expect.role")}</section>
            <section aria-labelledby="h-objectives"><h2 id="h-objectives">${t("report.by_objective")}</h2>${score(report.objectives, t("report.by_objective"), "expect.objective")}</section>
            <${Timeline} report=${report} orgs=${orgs} />
            <p tabindex="-1" role="status">${done || ""}</p>
            <section aria-labelledby="h-observations"><h2 id="h-observations">${t("report.observations")}</h2>
                ${obs.length ? html`<ul>${obs.map((n) => html`<li class="text">${this.noteBody(n, control)} <span class="hint">${orgName(orgs, n.author)}, ${formatTime(n.created)}</span></li>`)}</ul>`
                    : html`<p>${t("report.none")}</p>`}
                ${control ? html`<form class="noprint" ref=${this.obs} onSubmit=${(e) => this.note(e, "observation")} novalidate aria-label=${t("report.add_observation")}>
                    <${Field} name="obs_text" type="textarea" label=${t("report.observation")} error=${err("observation")} rows=${3} />
                    <${FormError} error=${err("observation")} fields=${["obs_text"]} />
                    <button type="submit" disabled=${!!busy}>${t("report.add_observation")}</button></form>` : null}</section>
            <section aria-labelledby="h-actions"><h2 id="h-actions">${t("report.actions")}</h2>
                ${actions.length ? html`<table><caption class="visually-hidden">${t("report.actions")}</caption>
                    <thead><tr><th scope="col">${t("report.action")}</th><th scope="col">${t("report.owner")}</th><th scope="col">${t("report.due")}</th></tr></thead>
                    <tbody>${actions.map((n) => html`<tr><td class="text">${this.noteBody(n, control)}</td><td>${n.owner || "—"}</td>
                        <td>${n.due ? html`<time datetime=${n.due}>${new Date(n.due).toISOString().slice(0, 10)}</time>` : "—"}</td></tr>`)}</tbody></table>`
                    : html`<p>${t("report.none")}</p>`}
                ${control ? html`<form class="noprint" ref=${this.action} onSubmit=${(e) => this.note(e, "action")} novalidate aria-label=${t("report.add_action")}>
                    <${Field} name="text" type="textarea" label=${t("report.action")} error=${err("action")} rows=${3} />
                    <${Field} name="owner" label=${t("report.owner")} error=${err("action")} />
                    <${Field} name="due" type="date" label=${t("report.due")} error=${err("action")} />
                    <${FormError} error=${err("action")} fields=${["text", "owner", "due"]} />
                    <button type="submit" disabled=${!!busy}>${t("report.add_action")}</button></form>` : null}</section>`;
    }
}
