// Browser-test harness: real `kizuna serve` processes on fresh SQLite files in a
// temporary directory, and Debian's Chromium (headless) driven by playwright-core.
// Elements are found by role and accessible name, as a person finds them.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const KIZUNA = process.env.KIZUNA_BIN || path.join(ROOT, "build", "kizuna");
export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
export const CATALOGUES = {
    en: JSON.parse(readFileSync(path.join(ROOT, "web/i18n/en.json"), "utf8")),
    ja: JSON.parse(readFileSync(path.join(ROOT, "web/i18n/ja.json"), "utf8")),
};
const AXE = readFileSync(path.join(ROOT, "node_modules/axe-core/axe.min.js"), "utf8");

/* The message `key` of language `lang`, with its {placeholders} filled from params. */
export function msg(lang, key, params = {}) {
    const m = CATALOGUES[lang][key];
    if (m === undefined) throw new Error(`no message ${key} in ${lang}`);
    return m.replace(/\{(\w+)\}/g, (_, n) => String(params[n]));
}

function freePort() {
    return new Promise((resolve, reject) => {
        const s = createServer();
        s.listen(0, "127.0.0.1", () => {
            const { port } = s.address();
            s.close(() => resolve(port));
        });
        s.on("error", reject);
    });
}

export function kizuna(...args) {
    return execFileSync(KIZUNA, args.map(String), { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/* A kizuna server on a fresh database; stop() ends it (SIGTERM) and removes the files. */
export class Server {
    /* args: more `kizuna serve` options; "{base}" in one stands for the server's URL.
       demo: the database of `kizuna demo` (its output in s.initOutput) instead of init.
       orgName, state: the node operator of init (several nodes of a federation differ). */
    static async start({ args = [], demo = false, orgName = "Test node operator", state = "JP" } = {}) {
        const s = new Server();
        s.dir = mkdtempSync(path.join(tmpdir(), "kizuna-e2e-"));
        s.db = path.join(s.dir, "kizuna.db");
        const out = demo ? kizuna("demo", "--db", s.db, "--data", path.join(ROOT, "demo/directory.json"), "--log-level", "warn")
            : kizuna("init", "--db", s.db, "--org-name", orgName, "--state", state);
        s.initOutput = out;
        s.adminKey = out.trim().split("\n").pop();
        s.port = await freePort();
        s.base = `http://127.0.0.1:${s.port}`;
        s.log = [];
        s.proc = spawn(KIZUNA, ["serve", "--db", s.db, "--listen", `127.0.0.1:${s.port}`, "--test-clock",
            "--scheduler-interval", "1", "--log-level", "warn", ...args.map((a) => a.replace("{base}", s.base))],
            { stdio: ["ignore", "pipe", "pipe"] });
        s.proc.stdout.on("data", (d) => s.log.push(String(d)));
        s.proc.stderr.on("data", (d) => s.log.push(String(d)));
        for (let i = 0; i < 300; i++) {
            try {
                const r = await fetch(`${s.base}/api/v1/health`);
                if (r.ok) break;
            } catch (e) {
                if (s.proc.exitCode !== null) throw new Error(`kizuna serve exited: ${s.log.join("")}`);
            }
            await new Promise((r) => setTimeout(r, 50));
        }
        s.nodeOrg = (await s.api("GET", "/node")).organization;
        return s;
    }

    /* Calls the API with a key (the admin's unless given); returns the parsed JSON and
       throws on a status that is not 2xx. */
    async api(method, p, body, key = this.adminKey) {
        const r = await fetch(`${this.base}/api/v1${p}`, {
            method, headers: { Authorization: `Bearer ${key}`, ...(body ? { "Content-Type": "application/json" } : {}) },
            body: body ? JSON.stringify(body) : undefined,
        });
        const text = await r.text();
        if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${text}`);
        return text ? JSON.parse(text) : null;
    }

    async org(name, state, extra = {}) {
        return this.api("POST", "/organizations", { name, state, kind: "national-csirt", ...extra });
    }

    async key(organization, role = "analyst") {
        return (await this.api("POST", "/keys", { organization, role })).key;
    }

    async stop() {
        if (this.proc.exitCode === null) {
            const done = new Promise((r) => this.proc.once("exit", r));
            this.proc.kill("SIGTERM");
            await done;
        }
        rmSync(this.dir, { recursive: true, force: true });
        return this.proc.exitCode;
    }
}

export async function launch() {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/install-deps`);
    return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"], downloadsPath: tmpdir() });
}

/* A page that fails the test on any script error or CSP violation it reports. */
export async function newPage(browser, server, { lang = "en", timezoneId = "Asia/Tokyo" } = {}) {
    const context = await browser.newContext({ baseURL: server.base, locale: lang === "ja" ? "ja-JP" : "en-GB", timezoneId });
    await context.addInitScript((l) => localStorage.setItem("kizuna.language", l), lang);
    const page = await context.newPage();
    page.problems = [];
    page.on("pageerror", (e) => page.problems.push(`page error: ${e.message}`));
    page.on("console", (m) => {
        if (m.type() === "error" && !/status of 40[0-9]/.test(m.text())) page.problems.push(`console: ${m.text()}`);
    });
    return page;
}

/* axe-core's WCAG 2.0/2.1/2.2 A and AA violations on the page as it is now. */
export async function axe(page) {
    if (!(await page.evaluate(() => !!window.axe))) await page.evaluate(AXE);
    const result = await page.evaluate(() => window.axe.run(document, {
        runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"] },
    }));
    return result.violations.map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

/* Messages the page asked for and no catalogue had (recorded by web/js/i18n.js). */
export async function missingMessages(page) {
    return page.evaluate(() => document.documentElement.dataset.missing || "");
}
