// The life of a request played through the UI alone by users of two organizations in
// two browser contexts — create, send, acknowledge, a message with an attachment,
// answer, close, the signed record downloaded and verified — and a user of a third
// organization, who sees the AMBER incident and request in no list and no page.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Server, launch, msg, kizuna } from "./harness.mjs";
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

const pageOf = (who, lang) => signedInPage(browser, server, world[who].user, lang);

async function move(page, lang, name) {
    await page.getByRole("button", { name: msg(lang, `move.${name}`), exact: true }).click();
    await settled(page, msg(lang, "request.moved"));
}

/* Waits for the status message `text`; fails with the page's error when one shows instead. */
async function settled(page, text) {
    const done = page.getByRole("status").filter({ hasText: text });
    const error = page.locator("main .error");
    await done.or(error).first().waitFor();
    if (await error.count()) assert.fail(`the page shows an error: ${await error.first().innerText()}`);
}

test("an information request from creation to the verified record, by two organizations", async () => {
    const subject = "Hosting provider of 198.51.100.23";
    const a = await pageOf("a", "en");
    const b = await pageOf("b", "ja");

    // The sender fills the form of the kind and sends the draft.
    await a.goto("/requests/new");
    await a.getByRole("link", { name: msg("en", "kind.information") }).click();
    await a.getByLabel(msg("en", "request.to")).selectOption({ label: `${world.b.org.name} (SG)` });
    await a.getByLabel(msg("en", "request.urgency")).selectOption({ label: msg("en", "urgency.critical") });
    await a.getByRole("radio", { name: msg("en", "tlp.amber"), exact: true }).check();
    await a.getByLabel(msg("en", "request.subject")).fill(subject);
    await a.getByLabel(msg("en", "request.description"), { exact: true }).fill("The address served the ransomware.");
    await a.getByLabel(msg("en", "reqfield.questions")).fill("Which customer rents 198.51.100.23?");
    await a.getByRole("button", { name: msg("en", "requests.create") }).click();
    await a.getByRole("heading", { level: 1, name: subject }).waitFor();
    assert.deepEqual(await a.getByRole("button", { name: msg("en", "move.acknowledge") }).count(), 0, "only the sender's moves");
    await move(a, "en", "send");
    assert.ok(await a.getByText(msg("en", "status.sent"), { exact: true }).first().isVisible());

    // The recipient finds it on the home page, in Japanese, overdue-first list.
    await b.goto("/");
    await b.getByRole("link", { name: subject }).click();
    await b.getByRole("heading", { level: 1, name: subject }).waitFor();
    await move(b, "ja", "acknowledge");
    await b.getByLabel(msg("ja", "request.message")).fill("ログを確認しています。");
    await b.getByLabel(msg("ja", "request.attach")).setInputFiles({ name: "whois.txt", mimeType: "text/plain", buffer: Buffer.from("netname: EXAMPLE-HOSTING\n") });
    await b.getByRole("button", { name: msg("ja", "request.add_message") }).click();
    await settled(b, msg("ja", "request.sent_message"));
    await b.getByRole("link", { name: "whois.txt" }).waitFor();

    // Answering needs a message: without one the API's error shows beside the field.
    await b.getByRole("button", { name: msg("ja", "move.answer"), exact: true }).click();
    const field = b.getByLabel(msg("ja", "request.message"));
    await b.locator("#f-message-error").waitFor();
    assert.equal(await field.getAttribute("aria-invalid"), "true");
    assert.ok(await field.evaluate((el) => el === document.activeElement), "focus moves to the field in error");
    await field.fill("Example Hosting の顧客 C-1234 です。");
    await move(b, "ja", "answer");

    // The sender sees the answer and the attachment, closes, downloads the record.
    await a.reload();
    await a.getByText("Example Hosting の顧客 C-1234 です。").waitFor();
    const [attachment] = await Promise.all([a.waitForEvent("download"), a.getByRole("link", { name: "whois.txt" }).click()]);
    assert.equal(readFileSync(await attachment.path(), "utf8"), "netname: EXAMPLE-HOSTING\n");
    await move(a, "en", "close");
    assert.equal(await a.getByRole("button", { name: msg("en", "move.close") }).count(), 0);
    const [download] = await Promise.all([a.waitForEvent("download"), a.getByRole("link", { name: msg("en", "request.record_json") }).click()]);
    const file = path.join(server.dir, "record.json");
    writeFileSync(file, readFileSync(await download.path()));
    const record = JSON.parse(readFileSync(file, "utf8"));
    assert.ok(JSON.stringify(record).includes("ログを確認しています。"));
    const key = (await server.api("GET", "/node")).signing_key.public_key;
    assert.match(kizuna("request", "verify", file, "--public-key", key), /^record intact: .* 6 entries, status closed/);

    // The page checks the same record itself, and catches each kind of tampering.
    await a.getByRole("button", { name: msg("en", "record.verify") }).click();
    await a.getByRole("status").filter({ hasText: msg("en", "record.intact", { entries: 6, status: msg("en", "status.closed") }) }).waitFor();
    const results = await a.evaluate(async ({ record, key }) => {
        const { verifyRecord } = await import("/js/record.js");
        const copy = () => JSON.parse(JSON.stringify(record));
        const changed = copy();
        changed.entries[3].message = changed.entries[3].message.replace("確認", "削除");
        const removed = copy();
        removed.entries.splice(2, 1);
        const resealed = copy();
        resealed.request.status = "answered";
        const otherKey = copy();
        const renamed = copy();
        renamed.node.name = "Someone else";
        const redated = copy();
        redated.request.sent_at = "2020-01-01T00:00:00.000Z";
        return {
            intact: await verifyRecord(copy(), key),
            changed: await verifyRecord(changed, key),
            removed: await verifyRecord(removed, key),
            summary: await verifyRecord(resealed, key),
            key: await verifyRecord(otherKey, key.replace(/^./, (c) => (c === "0" ? "1" : "0"))),
            renamed: await verifyRecord(renamed, key),
            redated: await verifyRecord(redated, key),
        };
    }, { record, key });
    assert.deepEqual(results, {
        intact: { ok: true, entries: 6, status: "closed" },
        changed: { ok: false, seq: 4, reason: "hash" },
        removed: { ok: false, seq: 3, reason: "entry" },
        summary: { ok: false, seq: 0, reason: "summary" },
        key: { ok: false, seq: 0, reason: "key" },
        renamed: { ok: false, seq: 0, reason: "seal" },
        redated: { ok: false, seq: 0, reason: "summary" },
    });
    assert.equal(record.version, 2);
    await a.context().close();
    await b.context().close();
});

test("a third organization sees the AMBER incident and request in no list and no page", async () => {
    const c = await pageOf("c", "en");
    const hidden = [world.incident.title, world.request.subject, "evil.example"];
    for (const url of ["/", "/requests", "/requests?box=inbox", "/incidents", `/incidents?q=ransomware`, "/indicators", "/indicators?q=evil.example"]) {
        await c.goto(url);
        await c.getByRole("heading", { level: 1 }).waitFor();
        await c.waitForFunction(() => !document.querySelector("[role=status]")?.textContent.match(/Loading/));
        const text = await c.locator("main").innerText();
        for (const h of hidden) assert.ok(!text.includes(h), `${h} is not shown at ${url}`);
    }
    for (const url of [`/incidents/${world.incident.id}`, `/requests/${world.request.id}`]) {
        await c.goto(url);
        await c.getByRole("alert").filter({ hasText: msg("en", "error.not_found") }).waitFor();
    }
    // The recipient organization does see them: the checks above are not vacuous.
    const b = await pageOf("b", "en");
    await b.goto("/incidents?q=ransomware");
    await b.getByRole("link", { name: world.incident.title }).waitFor();
    await c.context().close();
    await b.context().close();
});
