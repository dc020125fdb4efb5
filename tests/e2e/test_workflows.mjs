// Work done through the screens other than requests: a contact created with the
// keyboard alone, a bad value's error shown beside its field with nothing written, an
// incident reported with the TLP picker, a communication check started and answered,
// My work ordering overdue requests first, and an admin's key shown once and the audit
// chain verified.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Server, launch, msg } from "./harness.mjs";
import { signedInPage, seed } from "./fixtures.mjs";

let server, browser, world;

before(async () => {
    server = await Server.start();
    browser = await launch();
    world = await seed(server);
});

after(async () => {
    await browser.close();
    assert.equal(await server.stop(), 0);
});

const pageOf = (user, lang) => signedInPage(browser, server, user, lang);

/* Presses Tab until the focused element has the accessible name `name` (at most 60 times). */
async function tabTo(page, name) {
    for (let i = 0; i < 60; i++) {
        await page.keyboard.press("Tab");
        const label = await page.evaluate(() => {
            const el = document.activeElement;
            if (!el) return "";
            if (el.labels && el.labels.length) return el.labels[0].textContent.trim();
            return (el.getAttribute("aria-label") || el.textContent || "").trim();
        });
        if (label === name) return;
    }
    assert.fail(`no control named ${name} reached with Tab`);
}

test("a contact is created with the keyboard alone; a bad phone number is refused beside its field first", async () => {
    const page = await pageOf(world.b.user, "ja");
    await page.goto("/directory");
    await page.getByRole("heading", { level: 1 }).waitFor();
    await tabTo(page, msg("ja", "directory.new"));
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { level: 1, name: msg("ja", "directory.new") }).waitFor();
    await tabTo(page, msg("ja", "contact.name"));
    await page.keyboard.type("Wei Ming Goh");
    await page.keyboard.press("Tab");
    await page.keyboard.press("ArrowDown"); // the first role after "choose"
    await tabTo(page, msg("ja", "contact.phone"));
    await page.keyboard.type("call me maybe");
    await tabTo(page, msg("ja", "directory.create"));
    await page.keyboard.press("Enter");
    const phone = page.getByLabel(msg("ja", "contact.phone"));
    await page.locator("#f-phone-error").waitFor();
    assert.equal(await phone.getAttribute("aria-invalid"), "true");
    assert.ok(await phone.evaluate((el) => el === document.activeElement), "focus is on the field in error");
    assert.equal(await page.getByLabel(msg("ja", "contact.name")).inputValue(), "Wei Ming Goh", "what was typed stays");
    const none = await server.api("GET", "/contacts?q=Goh");
    assert.equal(none.items.length, 0, "the refused contact was not written");

    await page.keyboard.press("Control+A");
    await page.keyboard.type("+65 6555 0199");
    await tabTo(page, msg("ja", "directory.create"));
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { level: 1, name: "Wei Ming Goh" }).waitFor();
    const made = await server.api("GET", "/contacts?q=Goh");
    assert.equal(made.items.length, 1);
    assert.equal(made.items[0].organization, world.b.org.id);
    assert.equal(made.items[0].role, "diplomatic");
    await page.context().close();
});

test("an incident reported with the TLP picker is seen by its recipient only", async () => {
    const page = await pageOf(world.a.user, "en");
    await page.goto("/incidents/new");
    await page.getByLabel(msg("en", "incident.title_field")).fill("Phishing wave against ministries");
    await page.getByLabel(msg("en", "incident.type")).selectOption("phishing");
    await page.getByRole("radio", { name: msg("en", "tlp.amber+strict") }).check();
    await page.getByLabel(msg("en", "tlp.recipients")).selectOption(world.c.org.id);
    await page.getByRole("button", { name: msg("en", "incidents.create") }).click();
    await page.getByRole("heading", { level: 1, name: "Phishing wave against ministries" }).waitFor();
    const id = new URL(page.url()).pathname.split("/").pop();
    const stored = await server.api("GET", `/incidents/${id}`, undefined, world.a.key);
    assert.equal(stored.tlp, "amber+strict");
    assert.deepEqual(stored.recipients, [world.c.org.id]);
    const b = await pageOf(world.b.user);
    await b.goto(`/incidents/${id}`);
    await b.getByRole("alert").filter({ hasText: msg("en", "error.not_found") }).waitFor();
    const c = await pageOf(world.c.user);
    await c.goto("/incidents");
    await c.getByRole("link", { name: "Phishing wave against ministries" }).waitFor();
    for (const p of [page, b, c]) await p.context().close();
});

test("the incident list filters by a norm of A/70/174", async () => {
    await server.api("POST", "/incidents", { title: "Attack on an emergency response team", rsit_type: "system-compromise",
        tlp: "clear", norms: ["k"] }, world.a.key);
    await server.api("POST", "/incidents", { title: "Defacement of a portal", rsit_type: "system-compromise", tlp: "clear" },
        world.a.key);
    const page = await pageOf(world.b.user, "ja");
    await page.goto("/incidents");
    await page.getByRole("link", { name: "Defacement of a portal" }).waitFor();
    await page.getByLabel(msg("ja", "incident.norms")).selectOption("k");
    await page.getByRole("button", { name: msg("ja", "list.apply") }).click();
    await page.waitForURL(/[?&]norm=k\b/);
    await page.getByRole("link", { name: "Attack on an emergency response team" }).waitFor();
    assert.equal(await page.getByRole("link", { name: "Defacement of a portal" }).count(), 0);
    await page.context().close();
});

test("a communication check is started from the UI and answered for one's own contact", async () => {
    const a = await pageOf(world.a.user);
    await a.goto("/checks/new");
    await a.getByLabel(msg("en", "contact.state")).fill("sg");
    await a.getByRole("button", { name: msg("en", "checks.start") }).click();
    await a.getByRole("heading", { level: 1, name: /^Communication check of / }).waitFor();
    await a.getByRole("cell", { name: "Siew Ling Tan" }).waitFor();
    assert.ok(await a.getByRole("img", { name: msg("en", "check.chart") }).isVisible(), "the per-state chart");
    const b = await pageOf(world.b.user);
    await b.goto("/");
    await b.getByRole("link", { name: new RegExp(`^Siew Ling Tan: `) }).first().click();
    await b.getByRole("button", { name: msg("en", "check.answer_for", { name: "Siew Ling Tan" }) }).click();
    await b.getByRole("button", { name: msg("en", "check.answer_for", { name: "Siew Ling Tan" }) }).waitFor({ state: "detached" });
    const id = new URL(b.url()).pathname.split("/").pop();
    const check = await server.api("GET", `/checks/${id}`);
    const siew = check.contacts.find((x) => x.full_name === "Siew Ling Tan");
    assert.equal(siew.answered, true);
    assert.equal(siew.via, "api");
    for (const p of [a, b]) await p.close();
});

test("My work puts an overdue request first", async () => {
    const later = await server.api("POST", "/requests", { kind: "information", to_organization: world.b.org.id, urgency: "low",
        tlp: "green", subject: "Low urgency question", description: "d", questions: "q" }, world.a.key);
    await server.api("POST", `/requests/${later.id}/send`, {}, world.a.key);
    await server.api("POST", "/test/clock", { advance_seconds: 9 * 3600 }); // past the high request's 8 h acknowledgement
    const b = await pageOf(world.b.user);
    await b.goto("/");
    const section = b.getByRole("region", { name: msg("en", "home.waiting") });
    await section.getByRole("row").nth(2).waitFor();
    const rows = await section.getByRole("row").allInnerTexts();
    assert.match(rows[1], new RegExp(`^${world.request.subject.replace(/[?.]/g, "\\$&")}`));
    assert.ok(rows[1].includes(msg("en", "request.overdue")), rows[1]);
    assert.ok(rows[2].startsWith("Low urgency question") && !rows[2].includes(msg("en", "request.overdue")), rows[2]);
    await b.context().close();
});

test("an admin creates a key shown once, revokes it, and verifies the audit chain", async () => {
    const page = await pageOf(world.admin);
    await page.goto("/admin/keys");
    await page.getByLabel(msg("en", "contact.organization")).selectOption({ label: world.c.org.name });
    await page.getByLabel(msg("en", "admin.label")).fill("feed robot");
    await page.getByRole("button", { name: msg("en", "admin.create_key") }).click();
    const once = page.getByRole("status").filter({ hasText: msg("en", "admin.shown_once") });
    await once.waitFor();
    const key = (await once.locator("code").innerText()).trim();
    assert.match(key, /^kz_/);
    assert.equal((await server.api("GET", "/node", undefined, key)).organization, server.nodeOrg, "the shown key works");
    await page.getByRole("button", { name: msg("en", "admin.revoke", { prefix: key.slice(0, 8) }) }).click();
    await page.getByText(/^Revoked /).waitFor();
    assert.equal(await page.getByText(key).count(), 0, "the secret is not shown again");
    const r = await fetch(`${server.base}/api/v1/node`, { headers: { Authorization: `Bearer ${key}` } });
    assert.equal(r.status, 401, "the revoked key is refused");

    await page.getByRole("link", { name: msg("en", "admin.audit") }).click();
    await page.getByRole("button", { name: msg("en", "admin.verify") }).click();
    await page.getByRole("status").filter({ hasText: /^The chain is intact: \d+ entries\.$/ }).waitFor();
    await page.context().close();
});

test("a contact's card tells the contact's local time now and whether it is inside working hours", async () => {
    const page = await pageOf(world.a.user, "en");
    await page.goto("/directory?q=Siew");
    await page.getByRole("link", { name: "Siew Ling Tan" }).click();
    await page.getByRole("heading", { level: 1, name: "Siew Ling Tan" }).waitFor();
    const now = new Date();
    const clock = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "Asia/Singapore" }).format(now);
    const local = await page.getByRole("definition").filter({ hasText: /SGT|GMT\+8/ }).innerText();
    const [h, m] = clock.split(":").map(Number);
    const [gh, gm] = /(\d{2}):(\d{2})/.exec(local).slice(1).map(Number);
    assert.ok(Math.abs((gh * 60 + gm) - (h * 60 + m)) <= 1 || Math.abs((gh * 60 + gm) - (h * 60 + m)) >= 1439, `${local} vs ${clock}`);
    const parts = Object.fromEntries(new Intl.DateTimeFormat("en-US", { timeZone: "Asia/Singapore", weekday: "short", hour: "2-digit", hourCycle: "h23" })
        .formatToParts(now).map((p) => [p.type, p.value]));
    const inside = !["Sat", "Sun"].includes(parts.weekday) && Number(parts.hour) >= 9 && Number(parts.hour) < 18;
    await page.getByText(msg("en", inside ? "contact.in_hours" : "contact.out_of_hours"), { exact: true }).waitFor();
    await page.context().close();
});

test("indicators pasted one per line: a bad line's error is shown in place and nothing is shared, then all are", async () => {
    const page = await pageOf(world.a.user, "ja");
    await page.goto(`/incidents/${world.incident.id}`);
    await page.getByRole("link", { name: msg("ja", "indicators.paste") }).click();
    await page.getByRole("heading", { level: 1, name: msg("ja", "indicators.paste") }).waitFor();
    const box = page.getByLabel(msg("ja", "indicators.paste_label"));
    await box.fill("198.51.100.7\nhttp://Evil.Example:80/a/../login\n\n999.1.1.1\nAS64500");
    await page.getByRole("radio", { name: msg("ja", "tlp.green") }).check();
    await page.getByRole("button", { name: msg("ja", "indicators.share") }).click();
    const error = page.locator("#f-values-error");
    await error.waitFor();
    assert.equal(await box.getAttribute("aria-invalid"), "true");
    assert.ok(await box.evaluate((el) => el === document.activeElement));
    const text = await error.innerText();
    assert.ok(text.includes(msg("ja", "indicators.paste_refused", { n: 1 })), text);
    assert.match(text, /4 行目（999\.1\.1\.1）: /, "the line number counts the empty line too");
    assert.equal((await server.api("GET", "/indicators?q=198.51.100.7", undefined, world.a.key)).items.length, 0, "nothing shared");

    await box.fill("198.51.100.7\nhttp://Evil.Example:80/a/../login\n\n203.0.113.0/24\nAS64500");
    await page.getByRole("button", { name: msg("ja", "indicators.share") }).click();
    await page.getByRole("status").filter({ hasText: msg("ja", "indicators.pasted", { created: 4, merged: 0, unchanged: 0 }) }).waitFor();
    const linked = await server.api("GET", `/indicators?incident=${world.incident.id}`, undefined, world.a.key);
    const values = linked.items.map((i) => `${i.type} ${i.value} ${i.tlp}`).sort();
    for (const want of ["ipv4 198.51.100.7 green", "url http://evil.example/login green", "cidr 203.0.113.0/24 green", "asn AS64500 green"])
        assert.ok(values.includes(want), `${want} in ${values}`);
    await page.context().close();
});

test("the reporting organization changes an incident's status; the timeline records it; others get no form", async () => {
    const page = await pageOf(world.a.user);
    await page.goto(`/incidents/${world.incident.id}`);
    await page.getByRole("heading", { level: 1, name: world.incident.title }).waitFor();
    await page.getByLabel(msg("en", "incident.status")).selectOption({ label: msg("en", "istatus.contained") });
    await page.getByRole("button", { name: msg("en", "incident.save") }).click();
    await page.getByRole("status").filter({ hasText: msg("en", "incident.saved") }).waitFor();
    await page.getByRole("listitem").filter({ hasText: msg("en", "tlkind.status") }).first().waitFor();
    assert.equal((await server.api("GET", `/incidents/${world.incident.id}`, undefined, world.a.key)).status, "contained");
    const b = await pageOf(world.b.user);
    await b.goto(`/incidents/${world.incident.id}`);
    await b.getByRole("heading", { level: 1, name: world.incident.title }).waitFor();
    assert.equal(await b.getByRole("button", { name: msg("en", "incident.save") }).count(), 0);
    for (const p of [page, b]) await p.context().close();
});
