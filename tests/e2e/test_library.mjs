// The norms and the policy library through the screens, in Japanese and English: from
// the norms list to a norm's page and the documents that address it, a Japanese search
// that finds a law by a word inside its text, a document's versions, and states
// compared side by side; the AMBER draft of one state stays out of another's screens.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Server, launch, msg, axe } from "./harness.mjs";
import { signedInPage, seed } from "./fixtures.mjs";

let server, browser, world, draft;

before(async () => {
    server = await Server.start();
    browser = await launch();
    world = await seed(server);
    draft = await server.api("POST", "/documents", { state: "JP", type: "position-international-law", title: "国際法に関する立場（草案）",
        status: "draft", tlp: "amber", norms: ["h"] }, world.a.key);
});

after(async () => {
    await browser.close();
    assert.equal(await server.stop(), 0);
});

test("from the norms to a norm's page and its documents, in Japanese", async () => {
    const page = await signedInPage(browser, server, world.a.user, "ja");
    await page.goto("/");
    await page.getByRole("navigation", { name: msg("ja", "nav.main") }).getByRole("link", { name: msg("ja", "nav.norms") }).click();
    await page.getByRole("heading", { level: 1, name: msg("ja", "norms.title") }).waitFor();
    const norms = page.getByRole("listitem").filter({ hasText: " should " });
    await norms.nth(10).waitFor(); // the heading comes before the list has arrived
    assert.equal(await norms.count(), 11);
    await page.getByRole("link", { name: "(h) 支援・緩和要請への対応" }).click();
    await page.getByRole("heading", { level: 1, name: "(h) 支援・緩和要請への対応" }).waitFor();
    const docs = page.getByRole("table", { name: msg("ja", "norms.documents") });
    await docs.getByRole("link", { name: "重要インフラのサイバーセキュリティ確保に関する法律（試験）" }).waitFor();
    assert.equal(await docs.getByRole("link", { name: "国際法に関する立場（草案）" }).count(), 1, "its own AMBER draft");
    // a request's legal basis leads to the norm's page
    const rq = await server.api("POST", "/requests", { kind: "assistance", to_organization: world.b.org.id, urgency: "high", tlp: "amber",
        subject: "Help with a hospital", description: "Ransomware.", sector: "health", incident_class: "availability",
        impact: "Surgeries postponed.", assistance_requested: ["indicators"] }, world.a.key);
    await page.goto(`/requests/${rq.id}`);
    await page.getByRole("link", { name: "(h)" }).click();
    await page.getByRole("heading", { level: 1, name: "(h) 支援・緩和要請への対応" }).waitFor();
    await page.context().close();
});

test("a Japanese word inside a sentence finds the law; the document shows its versions", async () => {
    const page = await signedInPage(browser, server, world.b.user, "en");
    await page.goto("/library");
    await page.getByRole("heading", { level: 1, name: msg("en", "library.title") }).waitFor();
    await page.getByRole("searchbox", { name: msg("en", "list.search") }).fill("事業者");
    await page.getByRole("button", { name: msg("en", "list.apply") }).click();
    await page.waitForURL(/q=/);
    const link = page.getByRole("link", { name: "Act on the cybersecurity of critical infrastructure (test)" });
    await link.waitFor();
    assert.equal(await page.getByRole("link", { name: "国際法に関する立場（草案）" }).count(), 0, "another state's AMBER draft");
    await link.click();
    await page.getByRole("heading", { level: 1, name: "Act on the cybersecurity of critical infrastructure (test)" }).waitFor();
    const versions = page.getByRole("list").filter({ hasText: msg("en", "document.version_line", { version: 1 }) });
    assert.equal(await versions.getByRole("listitem").count(), 2);
    assert.ok(await page.getByRole("link", { name: msg("en", "document.download", { name: "act.txt" }) }).isVisible());
    // a regulation that implements the law links to it
    await page.goto("/library?q=施行規則");
    await page.getByRole("link", { name: "施行規則（試験）" }).click();
    await page.getByRole("heading", { level: 1, name: "施行規則（試験）" }).waitFor();
    assert.equal(await page.getByRole("definition").filter({ hasText: msg("en", "doctranslation.official") }).count(), 1);
    await page.getByRole("link", { name: world.document.id }).click();
    await page.getByRole("heading", { level: 1, name: "Act on the cybersecurity of critical infrastructure (test)" }).waitFor();
    await page.goto(`/library/${draft.id}`);
    await page.getByRole("alert").waitFor();
    await page.context().close();
});

test("states compared side by side by norm, with the CSV one link away", async () => {
    await server.api("POST", "/documents", { state: "FR", type: "strategy", title: "Stratégie (test)", norms: ["h"] }, world.c.key);
    const page = await signedInPage(browser, server, world.c.user, "en");
    await page.goto("/library/compare");
    await page.getByRole("heading", { level: 1, name: msg("en", "library.compare") }).waitFor();
    await page.getByRole("textbox", { name: msg("en", "library.states") }).fill("jp, fr, de, ee");
    await page.getByRole("combobox", { name: msg("en", "document.norm") }).selectOption("h");
    await page.getByRole("button", { name: msg("en", "library.compare_button") }).click();
    const table = page.getByRole("table", { name: msg("en", "library.by_norm", { letter: "h" }) });
    await table.waitFor();
    assert.deepEqual(await table.getByRole("columnheader").allTextContents(), ["JP", "FR", "DE", "EE"]);
    const cells = table.getByRole("cell");
    assert.match(await cells.nth(0).textContent(), /critical infrastructure/);
    assert.match(await cells.nth(1).textContent(), /Stratégie/);
    assert.equal(await cells.nth(2).textContent(), msg("en", "library.none"));
    assert.doesNotMatch(await cells.nth(0).textContent(), /草案/);
    const csv = await page.getByRole("link", { name: msg("en", "library.csv") }).getAttribute("href");
    const r = await page.context().request.get(`${server.base}${csv}`);
    assert.equal(r.status(), 200);
    assert.match(await r.text(), /^state,document,version/);
    await page.context().close();
});

test("an incident linked to norms from its page; the norm's page shows it to its audience only", async () => {
    const page = await signedInPage(browser, server, world.a.user, "en");
    await page.goto(`/incidents/${world.incident.id}`);
    await page.getByRole("heading", { level: 1, name: world.incident.title }).waitFor();
    const boxes = page.getByRole("group", { name: msg("en", "incident.norms") });
    await boxes.getByRole("checkbox").nth(10).waitFor();
    assert.equal(await boxes.getByRole("checkbox", { name: "(h) Respond to requests for assistance and mitigation" }).isChecked(), true);
    await boxes.getByRole("checkbox", { name: "(f) Do not damage critical infrastructure" }).check();
    await page.getByRole("button", { name: msg("en", "incident.save") }).click();
    await page.getByRole("status").filter({ hasText: msg("en", "incident.saved") }).waitFor();
    assert.deepEqual((await server.api("GET", `/incidents/${world.incident.id}`, undefined, world.a.key)).norms, ["f", "h"]);
    await page.getByRole("definition").getByRole("link", { name: "(f)" }).click();
    await page.getByRole("heading", { level: 1, name: "(f) Do not damage critical infrastructure" }).waitFor();
    await page.getByRole("link", { name: world.incident.title }).waitFor();
    assert.deepEqual(await axe(page), []);
    await page.context().close();
    // the AMBER incident's recipient sees and counts it; a third state neither
    for (const [who, sees] of [[world.b, true], [world.c, false]]) {
        const p = await signedInPage(browser, server, who.user, "en");
        await p.goto("/norms/f");
        await p.getByRole("heading", { level: 2, name: msg("en", "norms.incidents") }).waitFor();
        await p.getByRole("heading", { level: 2, name: msg("en", "norms.documents") }).waitFor();
        await p.waitForFunction(() => !document.querySelector("[role=status]"));
        assert.equal(await p.getByRole("link", { name: world.incident.title }).count(), sees ? 1 : 0, who.org.name);
        assert.equal(await p.getByRole("table", { name: msg("en", "norms.incident_counts_caption") }).count(), sees ? 1 : 0, who.org.name);
        await p.context().close();
    }
});
