// URL routing with the history API: every view has its own path, and its filters, sort
// and cursor live in the query string, so a view can be bookmarked or sent on.
const listeners = new Set();

export function onNavigate(fn) {
    listeners.add(fn);
}

function notify() {
    for (const fn of listeners) fn(location.pathname, new URLSearchParams(location.search));
}

export function navigate(url, { replace = false } = {}) {
    if (replace) history.replaceState(null, "", url);
    else history.pushState(null, "", url);
    notify();
}

/* The current path with the given query parameters changed (empty ones removed). */
/* The values of the names given that the query string holds: the filters of a view. */
export function pick(q, names) {
    const out = {};
    for (const n of names) if (q.get(n)) out[n] = q.get(n);
    return out;
}

export function withQuery(changes) {
    const q = new URLSearchParams(location.search);
    for (const [k, v] of Object.entries(changes)) {
        if (v === undefined || v === null || v === "") q.delete(k);
        else q.set(k, v);
    }
    const s = q.toString();
    return location.pathname + (s ? `?${s}` : "");
}

/* Matches path against patterns like "/requests/:id"; returns {name, params} or null. */
export function match(routes, path) {
    for (const r of routes) {
        const want = r.path.split("/");
        const got = path.replace(/\/+$/, "").split("/");
        if (want.length !== got.length && !(r.path === "/" && path === "/")) continue;
        const params = {};
        let ok = true;
        for (let i = 0; i < want.length && ok; i++) {
            if (want[i].startsWith(":")) params[want[i].slice(1)] = decodeURIComponent(got[i] || "");
            else ok = want[i] === (got[i] || "");
        }
        if (ok) return { route: r, params };
    }
    return null;
}

export function startRouter() {
    window.addEventListener("popstate", notify);
    document.addEventListener("click", (e) => {
        const a = e.target.closest && e.target.closest("a[href]");
        if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        const url = new URL(a.href, location.href);
        if (url.origin !== location.origin || url.pathname.startsWith("/api/") || a.hasAttribute("download") || a.target) return;
        e.preventDefault();
        navigate(url.pathname + url.search);
    });
}
