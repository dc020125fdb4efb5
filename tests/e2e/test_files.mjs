// Files in the browser: a CSV feed uploaded with its progress shown (a bad line's error,
// with the file's line, beside the file field and nothing written, then the corrected
// file imported), a STIX bundle with a refused object listed, and the CSV and STIX
// downloads of the indicator and incident lists carrying the list's filters.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
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

/* Starts recording every text the page's status regions show. */
async function recordStatus(page) {
    await page.evaluate(() => {
        window.shown = [];
        new MutationObserver(() => {
            for (const el of document.querySelectorAll("[role=status]")) if (el.textContent) window.shown.push(el.textContent);
        }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
}

const feed = (n, bad) => ["type,value", ...Array.from({ length: n }, (_, i) => `domain,f${i}.feed.example`),
    ...(bad ? ["ipv4,999.0.0.1"] : [])].join("\n") + "\n";

test("a CSV feed is uploaded with its progress shown; a bad line is refused beside the file field first", async () => {
    const { b, a, c } = world;
    const page = await signedInPage(browser, server, b.user, "en");
    await page.goto("/indicators");
    await page.getByRole("link", { name: msg("en", "import.title") }).click();
    await page.getByRole("heading", { level: 1, name: msg("en", "import.title") }).waitFor();
    const file = page.getByLabel(msg("en", "import.file"));
    await file.setInputFiles({ name: "feed.csv", mimeType: "text/csv", buffer: Buffer.from(feed(2000, true)) });
    await page.getByLabel(msg("en", "tlp.recipients")).selectOption(a.org.id);
    await page.getByRole("button", { name: msg("en", "import.submit") }).click();
    await page.locator("#f-file-error").waitFor();
    const error = await page.locator("#f-file-error").textContent();
    assert.match(error, /^feed\.csv:2002: /, "the error names the file and the line");
    assert.equal(await file.getAttribute("aria-invalid"), "true");
    assert.ok(await file.evaluate((el) => el === document.activeElement), "focus is on the file field");
    assert.equal((await server.api("GET", "/indicators?q=f1.feed.example", undefined, b.key)).items.length, 0, "nothing was written");

    await recordStatus(page);
    await file.setInputFiles({ name: "feed.csv", mimeType: "text/csv", buffer: Buffer.from(feed(20000, false)) });
    await page.getByRole("button", { name: msg("en", "import.submit") }).click();
    const done = msg("en", "import.done_csv", { records: 20000, created: 20000, merged: 0, unchanged: 0 });
    await page.getByRole("status").filter({ hasText: done }).waitFor({ timeout: 60000 });
    const shown = await page.evaluate(() => window.shown);
    assert.ok(shown.some((s) => s.startsWith(msg("en", "import.uploading", { percent: 0 }).split(":")[0]) || s === msg("en", "import.importing")),
        `the upload's progress was shown (${shown.slice(0, 5)})`);
    const got = await server.api("GET", "/indicators?q=f19999.feed.example", undefined, a.key);
    assert.deepEqual(got.items.map((i) => [i.tlp, i.source]), [["amber", b.org.id]]);
    assert.equal((await server.api("GET", "/indicators?q=f19999.feed.example", undefined, c.key)).items.length, 0, "AMBER reaches the recipient only");
    await page.context().close();
});

test("a STIX bundle is imported in Japanese; the refused object is listed", async () => {
    const { b } = world;
    const objects = [["[domain-name:value = 'stix.feed.example']", "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"],
        ["[ipv4-addr:value = '999.0.0.2']", "9e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"]].map(([pattern, id]) => ({
        type: "indicator", spec_version: "2.1", id: `indicator--${id}`, created: "2024-01-01T00:00:00.000Z",
        modified: "2024-01-01T00:00:00.000Z", pattern, pattern_type: "stix", valid_from: "2024-01-01T00:00:00Z" }));
    const bundle = { type: "bundle", id: "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", objects };
    const page = await signedInPage(browser, server, b.user, "ja");
    await page.goto("/import");
    await page.getByLabel(msg("ja", "import.file")).setInputFiles({ name: "bundle.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(bundle)) });
    assert.equal(await page.getByLabel(msg("ja", "import.format")).inputValue(), "stix", "a .json file is taken for STIX");
    await page.getByRole("radio", { name: msg("ja", "tlp.green") }).check();
    await page.getByRole("button", { name: msg("ja", "import.submit") }).click();
    const refused = page.getByRole("list", { name: msg("ja", "import.rejected_list") });
    await refused.waitFor();
    assert.match(await refused.textContent(), /indicator--9e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f/);
    await page.getByRole("status").filter({ hasText: msg("ja", "import.done_stix", { objects: 2, accepted: 1, kept: 0, rejected: 1,
        indicators_created: 1, incidents_created: 0 }) }).waitFor();
    const got = await server.api("GET", "/indicators?q=stix.feed.example", undefined, world.c.key);
    assert.deepEqual(got.items.map((i) => i.tlp), ["green"]);
    await page.context().close();
});

test("the lists download what they show as CSV and STIX", async () => {
    const { a, c } = world;
    const page = await signedInPage(browser, server, a.user, "en");
    await page.goto("/indicators?type=domain&q=evil.example");
    const [csv] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: msg("en", "export.csv") }).click()]);
    assert.equal(csv.suggestedFilename(), "kizuna-indicators.csv");
    const rows = readFileSync(await csv.path(), "utf8").trim().split("\n");
    assert.equal(rows.length, 2, "a header and the one indicator the filters select");
    assert.match(rows[1], /evil\.example/);

    await page.goto("/incidents");
    const [stix] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: msg("en", "export.stix") }).click()]);
    const reports = JSON.parse(readFileSync(await stix.path(), "utf8")).objects.filter((o) => o.type === "report");
    assert.deepEqual(reports.map((r) => r.name), [world.incident.title]);

    // a third organization downloads no AMBER incident it may not see
    const other = await signedInPage(browser, server, c.user, "en");
    await other.goto("/incidents");
    const [theirs] = await Promise.all([other.waitForEvent("download"), other.getByRole("link", { name: msg("en", "export.stix") }).click()]);
    // STIX 2.1: a bundle with nothing to show has no objects list at all
    assert.deepEqual((JSON.parse(readFileSync(await theirs.path(), "utf8")).objects ?? []).filter((o) => o.type === "report"), []);
    for (const p of [page, other]) await p.context().close();
});
