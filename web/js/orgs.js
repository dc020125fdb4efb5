// Organization names for ids shown in lists, fetched once per page load and kept.
import { get } from "./api.js";

let pending = null;

/* A Map of organization id -> organization, of every organization of the directory. */
export function organizations() {
    if (!pending) {
        pending = (async () => {
            const map = new Map();
            let cursor = null;
            do {
                const page = await get(`/organizations?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
                for (const o of page.items) map.set(o.id, o);
                cursor = page.next;
            } while (cursor);
            return map;
        })().catch((e) => {
            pending = null;
            throw e;
        });
    }
    return pending;
}

/* After an organization was created or changed: the next organizations() fetches again. */
export function forgetOrganizations() {
    pending = null;
}

export function orgName(map, id) {
    const o = map && map.get(id);
    return o ? o.name : id || "";
}
