// Signing in and out of the web interface against a real server: the labelled form in
// both languages, a wrong password, slowed-down retries, the second factor (TOTP), the
// one-time link to set a password, sign-out, an expired session, and a state-changing
// call with the session cookie but without the CSRF token.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { Server, launch, newPage, msg } from "./harness.mjs";
import { makeUser, signIn, PASSWORD } from "./fixtures.mjs";

let server, browser;

before(async () => {
    server = await Server.start();
    browser = await launch();
});

after(async () => {
    await browser.close();
    assert.equal(await server.stop(), 0);
});

let n = 0;
function user(extra = {}) {
    n += 1;
    return makeUser(server, { email: `user${n}@example.org`, name: `User ${n}`, organization: server.nodeOrg,
        role: "analyst", language: "en", time_zone: "Asia/Tokyo", ...extra });
}

async function fillSignIn(page, lang, email, password) {
    await page.getByLabel(msg(lang, "signin.email")).fill(email);
    await page.getByLabel(msg(lang, "signin.password")).fill(password);
    await page.getByRole("button", { name: msg(lang, "signin.submit") }).click();
}

/* RFC 6238 code of a base32 secret at unix time `seconds`. */
function totp(secret, seconds = Date.now() / 1000) {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let bits = "";
    for (const ch of secret.replace(/=+$/, "").toUpperCase()) bits += alphabet.indexOf(ch).toString(2).padStart(5, "0");
    const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
    const counter = Buffer.alloc(8);
    counter.writeBigUInt64BE(BigInt(Math.floor(seconds / 30)));
    const mac = createHmac("sha1", key).update(counter).digest();
    const off = mac[mac.length - 1] & 15;
    return String((mac.readUInt32BE(off) & 0x7fffffff) % 1000000).padStart(6, "0");
}

for (const lang of ["en", "ja"]) {
    test(`signing in with the labelled form (${lang}) opens My work at the page asked for; signing out ends the session`, async () => {
        const u = await user({ language: lang });
        const page = await newPage(browser, server, { lang });
        await page.goto("/requests?box=inbox");
        await page.waitForURL(/\/sign-in\?next=/);
        await page.getByRole("heading", { level: 1, name: msg(lang, "signin.title") }).waitFor();
        await fillSignIn(page, lang, u.email, PASSWORD);
        await page.getByRole("heading", { level: 1, name: msg(lang, "requests.inbox") }).waitFor();
        assert.equal(new URL(page.url()).pathname + new URL(page.url()).search, "/requests?box=inbox");
        await page.getByRole("link", { name: msg(lang, "nav.home") }).click();
        await page.getByRole("heading", { level: 1, name: msg(lang, "home.title") }).waitFor();
        assert.equal(await page.locator("html").getAttribute("lang"), lang);
        assert.equal(await page.evaluate(() => document.activeElement.tagName), "H1", "focus moves to the new page's heading");

        await page.getByRole("button", { name: msg(lang, "nav.sign_out") }).click();
        await page.getByRole("heading", { level: 1, name: msg(lang, "signin.title") }).waitFor();
        const r = await page.evaluate(async () => (await fetch("/api/v1/session")).status);
        assert.equal(r, 401, "the session is over on the server too");
        await page.goto("/");
        await page.waitForURL(/\/sign-in$/);
        await page.context().close();
    });
}

test("a wrong password says so next to the form, keeps the address and signs nobody in", async () => {
    const u = await user();
    const page = await newPage(browser, server);
    await page.goto("/sign-in");
    await fillSignIn(page, "en", u.email, "not the password at all");
    await page.getByRole("alert").filter({ hasText: msg("en", "signin.wrong") }).waitFor();
    assert.equal(await page.getByLabel(msg("en", "signin.email")).inputValue(), u.email);
    assert.match(page.url(), /\/sign-in$/);
    assert.equal(await page.evaluate(async () => (await fetch("/api/v1/session")).status), 401);
    await page.context().close();
});

test("after repeated failures the form tells how long to wait (429 Retry-After), even with the right password", async () => {
    const u = await user();
    // Fail until the server asks for a wait of at least 8 seconds (2^(n-3) after n
    // failures); each wait is passed by moving the server's clock, not by sleeping.
    let retry = 0;
    for (let i = 0; i < 16 && retry < 8; i++) {
        const r = await fetch(`${server.base}/api/v1/session`, { method: "POST", headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ email: u.email, password: "wrong password here" }) });
        if (r.status === 429) {
            retry = Number(r.headers.get("Retry-After"));
            if (retry < 8) await server.api("POST", "/test/clock", { advance_seconds: retry });
        } else {
            assert.equal(r.status, 401);
        }
    }
    assert.ok(retry >= 8, `the server slowed down (Retry-After ${retry})`);
    const page = await newPage(browser, server, { lang: "ja" });
    await page.goto("/sign-in");
    await fillSignIn(page, "ja", u.email, PASSWORD);
    const alert = page.getByRole("alert");
    await alert.waitFor();
    const text = await alert.innerText();
    const seconds = Number(/(\d+)/.exec(text)[1]);
    assert.ok(seconds >= 1 && seconds <= retry, text);
    assert.equal(text, msg("ja", "error.slow_down", { seconds }));
    await page.context().close();
});

test("an account with a second factor asks for the code on its own screen; a wrong code shows beside the field", async () => {
    const u = await user();
    const setup = await newPage(browser, server);
    await signIn(setup, server, u);
    const api = setup.context().request;
    const csrf = (await (await api.get(`${server.base}/api/v1/session`)).json()).csrf;
    const begin = await (await api.post(`${server.base}/api/v1/session/totp`, { headers: { "X-CSRF-Token": csrf } })).json();
    const confirm = await api.post(`${server.base}/api/v1/session/totp/confirm`, { headers: { "X-CSRF-Token": csrf }, data: { code: totp(begin.secret) } });
    assert.equal(confirm.status(), 200, await confirm.text());
    await setup.context().close();

    const page = await newPage(browser, server);
    await page.goto("/sign-in");
    await fillSignIn(page, "en", u.email, PASSWORD);
    await page.getByRole("heading", { level: 1, name: msg("en", "signin.totp_title") }).waitFor();
    const code = page.getByLabel(msg("en", "signin.totp"));
    const wrong = String((Number(totp(begin.secret)) + 500000) % 1000000).padStart(6, "0");
    await code.fill(wrong);
    await page.getByRole("button", { name: msg("en", "signin.verify") }).click();
    await page.locator("#f-totp-error").waitFor();
    assert.equal(await code.getAttribute("aria-invalid"), "true");
    assert.ok(await code.evaluate((el) => el === document.activeElement), "focus is on the code field");
    // The previous code was spent by the enrolment; the next period's is fresh.
    await code.fill(totp(begin.secret, Date.now() / 1000 + 30));
    await page.getByRole("button", { name: msg("en", "signin.verify") }).click();
    await page.getByRole("heading", { level: 1, name: msg("en", "home.title") }).waitFor();
    await page.context().close();
});

test("the one-time link sets the password; the link works once", async () => {
    const created = await server.api("POST", "/users", { email: "new.user@example.org", name: "New User",
        organization: server.nodeOrg, role: "viewer", language: "ja", time_zone: "Asia/Tokyo" });
    const link = new URL(created.set_password_link);
    const page = await newPage(browser, server, { lang: "ja" });
    await page.goto(link.pathname + link.search);
    await page.getByRole("heading", { level: 1, name: msg("ja", "password.title") }).waitFor();
    await page.getByLabel(msg("ja", "password.new")).fill("a long new password 1");
    await page.getByLabel(msg("ja", "password.confirm")).fill("a different password 2");
    await page.getByRole("button", { name: msg("ja", "password.submit") }).click();
    await page.locator("#f-confirm-error").filter({ hasText: msg("ja", "password.mismatch") }).waitFor();
    await page.getByLabel(msg("ja", "password.confirm")).fill("a long new password 1");
    await page.getByRole("button", { name: msg("ja", "password.submit") }).click();
    await page.getByRole("heading", { level: 1, name: msg("ja", "password.done_title") }).waitFor();
    await page.getByRole("link", { name: msg("ja", "signin.title") }).click();
    await fillSignIn(page, "ja", "new.user@example.org", "a long new password 1");
    await page.getByRole("heading", { level: 1, name: msg("ja", "home.title") }).waitFor();

    const again = await newPage(browser, server, { lang: "ja" });
    await again.goto(link.pathname + link.search);
    await again.getByLabel(msg("ja", "password.new")).fill("yet another password 3");
    await again.getByLabel(msg("ja", "password.confirm")).fill("yet another password 3");
    await again.getByRole("button", { name: msg("ja", "password.submit") }).click();
    await again.getByRole("alert").waitFor();
    assert.equal(await again.getByRole("heading", { level: 1 }).innerText(), msg("ja", "password.title"));
    await page.context().close();
    await again.context().close();
});

test("an idle session expires: the next page asks to sign in again and returns to it afterwards", async () => {
    const u = await user();
    const page = await newPage(browser, server);
    await signIn(page, server, u);
    await page.goto("/directory");
    await page.getByRole("heading", { level: 1, name: msg("en", "directory.title") }).waitFor();
    await server.api("POST", "/test/clock", { advance_seconds: 61 * 60 });
    await page.goto("/incidents");
    await page.waitForURL(/\/sign-in\?next=%2Fincidents$/);
    await fillSignIn(page, "en", u.email, PASSWORD);
    await page.getByRole("heading", { level: 1, name: msg("en", "incidents.title") }).waitFor();
    await page.context().close();
});

test("a state-changing call with the session cookie but no CSRF token is refused and writes nothing", async () => {
    const u = await user();
    const page = await newPage(browser, server);
    await signIn(page, server, u);
    await page.goto("/");
    await page.getByRole("heading", { level: 1 }).waitFor();
    const result = await page.evaluate(async (org) => {
        const body = JSON.stringify({ organization: org, full_name: "Forged Contact", role: "csirt", email: "forged@example.org" });
        const without = await fetch("/api/v1/contacts", { method: "POST", headers: { "Content-Type": "application/json" }, body });
        const { csrf } = await (await fetch("/api/v1/session")).json();
        const wrong = await fetch("/api/v1/contacts", { method: "POST", headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf.slice(1) + "x" }, body });
        const listed = await (await fetch("/api/v1/contacts?q=Forged")).json();
        const withToken = await fetch("/api/v1/contacts", { method: "POST", headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf }, body });
        return { without: without.status, field: (await without.json()).error.field, wrong: wrong.status, listed: listed.items.length, with: withToken.status };
    }, server.nodeOrg);
    assert.deepEqual(result, { without: 403, field: "X-CSRF-Token", wrong: 403, listed: 0, with: 201 });
    await page.context().close();
});

test("the Language switch on the page changes <html lang> and is kept as the user's setting; times follow the user's zone", async () => {
    await server.api("POST", "/incidents", { title: "Defacement of a city portal", rsit_type: "phishing", tlp: "green",
        occurred: "2026-03-01T12:00:00Z" });
    const u = await user({ language: "en", time_zone: "America/New_York" });
    const page = await newPage(browser, server, { lang: "en", timezoneId: "Asia/Tokyo" });
    await signIn(page, server, u);
    await page.goto("/incidents");
    await page.getByRole("heading", { level: 1, name: msg("en", "incidents.title") }).waitFor();
    const row = page.getByRole("row").filter({ hasText: "Defacement of a city portal" });
    assert.ok((await row.innerText()).includes("1 Mar 2026, 07:00"), "12:00 UTC is 07:00 in New York, not 21:00 in Tokyo");

    await page.getByRole("banner").getByLabel("Language").selectOption({ label: "日本語" });
    await page.getByRole("heading", { level: 1, name: msg("ja", "incidents.title") }).waitFor();
    assert.equal(await page.locator("html").getAttribute("lang"), "ja");
    assert.ok(await page.getByRole("banner").getByLabel("言語").evaluate((el) => el === document.activeElement), "focus stays on the switch");
    assert.ok((await row.innerText()).includes("2026/03/01 7:00"), await row.innerText());

    // The choice is the user's, kept by the server: another browser signs in in Japanese.
    const other = await newPage(browser, server, { lang: "en" });
    await other.goto("/sign-in");
    await fillSignIn(other, "en", u.email, PASSWORD);
    await other.getByRole("heading", { level: 1, name: msg("ja", "home.title") }).waitFor();
    assert.equal(await other.locator("html").getAttribute("lang"), "ja");
    await page.context().close();
    await other.context().close();
});
