// The JSON API as the browser uses it: same-origin fetch with the session cookie, the
// CSRF token on every state-changing call, and errors as ApiError carrying the API's
// {"error": {"code", "message", "field"}} so a form can show it beside the field.
const session = { csrf: null };

export function setCsrf(token) {
    session.csrf = token || null;
}

export class ApiError extends Error {
    constructor(status, body, retryAfter) {
        const e = (body && body.error) || {};
        super(e.message || `HTTP ${status}`);
        this.status = status;
        this.code = e.code || "http";
        this.field = e.field || null;
        this.body = body;
        this.retryAfter = retryAfter;
    }
}

export async function call(method, path, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET" && session.csrf) headers["X-CSRF-Token"] = session.csrf;
    const r = await fetch(`/api/v1${path}`, {
        method, headers, credentials: "same-origin",
        body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    let json = null;
    try {
        json = text ? JSON.parse(text) : null;
    } catch (e) {
        json = null;
    }
    if (!r.ok) throw new ApiError(r.status, json, r.headers.get("Retry-After"));
    return json;
}

export const get = (path) => call("GET", path);
export const post = (path, body) => call("POST", path, body === undefined ? {} : body);
export const patch = (path, body) => call("PATCH", path, body);
export const del = (path) => call("DELETE", path);

/* "?a=1&b=2" from an object, leaving out empty values. */
export function query(params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) {
        if (v !== undefined && v !== null && v !== "") q.set(k, v);
    }
    const s = q.toString();
    return s ? `?${s}` : "";
}

/* Sends file as the raw body of POST path, telling onProgress(sent, total) as the upload
   goes (fetch cannot); resolves with the JSON answer, rejects with an ApiError. */
export function upload(path, file, onProgress) {
    return new Promise((resolve, reject) => {
        const x = new XMLHttpRequest();
        x.open("POST", `/api/v1${path}`);
        x.setRequestHeader("Accept", "application/json");
        x.setRequestHeader("Content-Type", "application/octet-stream");
        if (session.csrf) x.setRequestHeader("X-CSRF-Token", session.csrf);
        x.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
        x.onload = () => {
            let json = null;
            try {
                json = x.responseText ? JSON.parse(x.responseText) : null;
            } catch (e) {
                json = null;
            }
            if (x.status >= 200 && x.status < 300) resolve(json);
            else reject(new ApiError(x.status, json, x.getResponseHeader("Retry-After")));
        };
        x.onerror = () => reject(new ApiError(0, null, null));
        x.send(file);
    });
}
