// The national survey of implementation through its screens, in Japanese and English: a
// state starts a survey, answers some questions of its four parts (none is mandatory),
// saves drafts and comes back to them, reads an earlier draft, prints the page and
// publishes it as a TLP:CLEAR document of the library; another state sees the document
// but never the survey's drafts. Each screen is axe-core clean.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Server, launch, axe, missingMessages, msg } from "./harness.mjs";
import { signedInPage, seed } from "./fixtures.mjs";

let server, browser, world, surveyUrl;

before(async () => {
    server = await Server.start();
    browser = await launch();
    world = await seed(server);
});

after(async () => {
    await browser.close();
    assert.equal(await server.stop(), 0);
});

const LAW = "既存の国際法はサイバー空間に適用されます。";
const NORM_H = "24時間体制の窓口が支援要請に応じます。";
const CBMS = "ASEAN の連絡窓口に参加しています。";

async function clean(page, what) {
    assert.deepEqual(await axe(page), [], `axe-core on ${what}`);
    assert.equal(await missingMessages(page), "", `messages on ${what}`);
    assert.deepEqual(page.problems, [], `script errors on ${what}`);
}

test("a survey started, answered in part, saved as drafts and come back to, in Japanese", async () => {
    const ja = (key, params) => msg("ja", key, params);
    const page = await signedInPage(browser, server, world.a.user, "ja");
    await page.goto("/");
    await page.getByRole("navigation", { name: ja("nav.main") }).getByRole("link", { name: ja("nav.surveys") }).click();
    await page.getByRole("heading", { level: 1, name: ja("survey.list_title") }).waitFor();
    await page.getByText(ja("survey.none")).waitFor(); // the other state's survey is not listed here
    await clean(page, "the empty list");
    // a bad year is refused beside its field, and nothing is started
    await page.getByRole("textbox", { name: ja("survey.period") }).fill("26");
    await page.getByRole("button", { name: ja("survey.start") }).click();
    const period = page.getByRole("textbox", { name: ja("survey.period") });
    await page.locator("#f-period-error").waitFor();
    assert.equal(await period.getAttribute("aria-invalid"), "true");
    assert.equal((await server.api("GET", "/surveys", undefined, world.a.key)).items.length, 0, "nothing written");
    await period.fill("2026");
    await page.getByRole("button", { name: ja("survey.start") }).click();
    const heading = ja("survey.title", { state: "JP", period: "2026" });
    await page.getByRole("heading", { level: 1, name: heading }).waitFor();
    surveyUrl = new URL(page.url()).pathname;
    // the four parts, each norm under its title; no question is required
    for (const part of ["survey.part1", "survey.part2", "survey.part3", "survey.part4"])
        await page.getByRole("heading", { level: 2, name: ja(part) }).waitFor();
    const normH = page.getByRole("textbox", { name: "(h) 支援・緩和要請への対応" });
    await normH.waitFor();
    assert.equal(await page.locator("textarea").count(), 14, "international law, eleven norms, CBMs, capacity-building");
    assert.equal(await page.locator("textarea[required]").count(), 0);
    await clean(page, "a new survey");
    // answered in part and saved: a draft
    await page.getByRole("textbox", { name: ja("survey.part1") }).fill(LAW);
    await normH.fill(NORM_H);
    await page.getByRole("button", { name: ja("survey.save") }).click();
    await page.getByRole("status").filter({ hasText: ja("survey.saved", { version: 2 }) }).waitFor();
    // come back later: the answers are there; a third part is added
    await page.goto("/surveys");
    await page.getByRole("link", { name: heading }).click();
    await page.getByRole("heading", { level: 1, name: heading }).waitFor();
    assert.equal(await page.getByRole("textbox", { name: ja("survey.part1") }).inputValue(), LAW);
    assert.equal(await page.getByRole("textbox", { name: "(h) 支援・緩和要請への対応" }).inputValue(), NORM_H);
    await page.getByRole("textbox", { name: ja("survey.part3") }).fill(CBMS);
    await page.getByRole("button", { name: ja("survey.save") }).click();
    await page.getByRole("status").filter({ hasText: ja("survey.saved", { version: 3 }) }).waitFor();
    // every draft is kept: version 2 reads as it was, without the CBMs
    const versions = page.getByRole("region", { name: ja("survey.versions") }).getByRole("listitem");
    await versions.nth(2).waitFor();
    assert.equal(await versions.count(), 3);
    await page.getByRole("link", { name: ja("survey.version_line", { version: 2 }) }).click();
    await page.getByText(ja("survey.old_version", { version: 2 })).waitFor();
    assert.equal(await page.getByRole("textbox", { name: ja("survey.part3") }).inputValue(), "");
    assert.equal(await page.getByRole("textbox", { name: ja("survey.part1") }).inputValue(), LAW);
    await clean(page, "an earlier draft");
    await page.getByRole("link", { name: ja("survey.latest") }).click();
    await page.getByRole("heading", { level: 1, name: heading }).waitFor();
    assert.equal(await page.getByRole("textbox", { name: ja("survey.part3") }).inputValue(), CBMS);
    await page.context().close();
});

test("the printable page, publication as a TLP:CLEAR library document, and another state's view", async () => {
    const en = (key, params) => msg("en", key, params);
    const page = await signedInPage(browser, server, world.a.user, "en");
    await page.goto(surveyUrl);
    await page.getByRole("heading", { level: 1, name: en("survey.title", { state: "JP", period: "2026" }) }).waitFor();
    await clean(page, "a survey in English");
    // the printable page holds every part, the answers given and the ones not given
    const print = await page.getByRole("link", { name: en("survey.print") }).getAttribute("href");
    const r = await page.context().request.get(`${server.base}${print}`);
    assert.equal(r.status(), 200);
    assert.match(r.headers()["content-type"], /^text\/html/);
    const printed = await r.text();
    for (const text of [LAW, NORM_H, CBMS, "Part 4. Capacity-building", "(not answered)"]) assert.ok(printed.includes(text), text);
    // in Japanese, the printable page has the Japanese catalogue's words
    const ja = await signedInPage(browser, server, world.a.user, "ja");
    await ja.goto(surveyUrl);
    const jaPrint = await ja.getByRole("link", { name: msg("ja", "survey.print") }).getAttribute("href");
    assert.match(jaPrint, /[?&]lang=ja\b/);
    const jaPage = await (await ja.context().request.get(`${server.base}${jaPrint}`)).text();
    assert.match(jaPage, /<html lang="ja">/);
    for (const key of ["survey.part1", "survey.part2", "survey.part3", "survey.part4", "survey.not_answered"])
        assert.ok(jaPage.includes(msg("ja", key)), key);
    assert.ok(!jaPage.includes("Part 1. International law"));
    await ja.context().close();
    // published: the form is saved first, then the latest version goes to the library
    await page.getByRole("textbox", { name: en("survey.part4") }).fill("Training for CSIRTs of the region.");
    await page.getByRole("button", { name: en("survey.publish") }).click();
    const status = page.getByRole("status").filter({ hasText: en("survey.published_as", { version: 1 }) });
    await status.waitFor();
    await status.getByRole("link", { name: en("survey.document_link") }).click();
    await page.getByRole("heading", { level: 1, name: "National survey of implementation: JP, 2026" }).waitFor();
    assert.equal(await page.getByRole("definition").filter({ hasText: msg("en", "tlp.clear") }).count(), 1);
    const doc = new URL(page.url()).pathname;
    const survey = await server.api("GET", surveyUrl, undefined, world.a.key);
    assert.equal(survey.version, 5, "saved (4), then marked published (5)");
    assert.equal(`/library/${survey.document}`, doc);
    await page.context().close();
    // another state finds the published document, never the survey itself
    const other = await signedInPage(browser, server, world.c.user, "en");
    await other.goto(doc);
    await other.getByRole("heading", { level: 1, name: "National survey of implementation: JP, 2026" }).waitFor();
    await other.goto("/surveys");
    await other.getByText(en("survey.none")).waitFor();
    await other.goto(surveyUrl);
    await other.getByRole("alert").waitFor();
    assert.equal(await other.getByRole("alert").textContent(), en("error.not_found"));
    await other.context().close();
});
