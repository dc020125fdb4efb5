// Message catalogues (web/i18n/<lang>.json, named {placeholders}) and Intl formatting in
// the user's language and time zone. A missing key shows as [key] and is recorded in
// document.documentElement.dataset.missing, which the browser tests read.
export const LANGUAGES = ["en", "ja"];
const LOCALES = { en: "en-GB", ja: "ja-JP" };
const state = { lang: "en", zone: undefined, messages: {} };
const cache = {};

export async function setLanguage(lang) {
    if (!LANGUAGES.includes(lang)) lang = "en";
    if (!cache[lang]) {
        const r = await fetch(`/i18n/${lang}.json`, { credentials: "same-origin" });
        cache[lang] = await r.json();
    }
    state.lang = lang;
    state.messages = cache[lang];
    document.documentElement.lang = lang;
}

export function setTimeZone(zone) {
    try {
        new Intl.DateTimeFormat("en", { timeZone: zone });
        state.zone = zone;
    } catch (e) {
        state.zone = undefined;
    }
}

export const language = () => state.lang;
export const timeZone = () => state.zone || Intl.DateTimeFormat().resolvedOptions().timeZone;

function missing(key) {
    const root = document.documentElement;
    const seen = new Set((root.dataset.missing || "").split(" ").filter(Boolean));
    seen.add(key);
    root.dataset.missing = [...seen].join(" ");
    return `[${key}]`;
}

/* The message `key` with each {name} replaced by params[name]. */
export function t(key, params = {}) {
    const m = state.messages[key];
    if (typeof m !== "string") return missing(key);
    return m.replace(/\{(\w+)\}/g, (all, name) => (name in params ? String(params[name]) : missing(`${key}:${name}`)));
}

/* The message for an enum value (status, kind, tlp ...), or the value itself when the
   catalogue has no entry for it: values come from the server and may be new. */
export function tv(group, value) {
    if (value === null || value === undefined || value === "") return "";
    const m = state.messages[`${group}.${value}`];
    return typeof m === "string" ? m : String(value);
}

export function formatTime(iso, zone) {
    if (!iso) return "";
    const d = new Date(iso);
    if (isNaN(d)) return iso;
    return new Intl.DateTimeFormat(LOCALES[state.lang], {
        dateStyle: "medium", timeStyle: "short", timeZone: zone || timeZone(),
    }).format(d);
}

export function formatClock(date, zone) {
    return new Intl.DateTimeFormat(LOCALES[state.lang], {
        weekday: "short", hour: "2-digit", minute: "2-digit", timeZone: zone, timeZoneName: "short",
    }).format(date);
}

/* "in 3 hours" / "2 days ago" relative to now, in the user's language. */
export function formatRelative(iso, now = Date.now()) {
    if (!iso) return "";
    const s = (new Date(iso).getTime() - now) / 1000;
    const rtf = new Intl.RelativeTimeFormat(LOCALES[state.lang], { numeric: "always" });
    const units = [["day", 86400], ["hour", 3600], ["minute", 60]];
    for (const [unit, n] of units) {
        if (Math.abs(s) >= n) return rtf.format(Math.trunc(s / n), unit);
    }
    return rtf.format(Math.trunc(s / 60), "minute");
}

export function formatNumber(n, opts) {
    return n === null || n === undefined ? "" : new Intl.NumberFormat(LOCALES[state.lang], opts).format(n);
}
