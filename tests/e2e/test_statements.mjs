// Public attribution statements through the screens: a co-signer approves the version it
// reads and the issuers' table says so; the drafter drafts one with the form, a bad
// norm letter refused beside its field; an organization that is not an issuer does not
// find the circulating statement; the drafter corrects a published one and withdraws it.
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

test("a co-signer approves the circulating statement and the issuers' table shows it", async () => {
    const page = await signedInPage(browser, server, world.b.user, "ja");
    await page.goto("/statements");
    await page.getByRole("link", { name: world.statement.title }).click();
    await page.getByRole("heading", { level: 1, name: world.statement.title }).waitFor();
    const issuers = page.getByRole("table", { name: msg("ja", "statement.issuers") });
    const mine = issuers.getByRole("row").filter({ hasText: world.b.org.name });
    assert.ok((await mine.textContent()).includes(msg("ja", "statement.approved_no")));
    await page.getByRole("button", { name: msg("ja", "smove.approve") }).click();
    await page.getByRole("status").filter({ hasText: msg("ja", "statement.moved") }).waitFor();
    assert.ok((await mine.textContent()).includes(msg("ja", "statement.approved_yes")));
    const st = await server.api("GET", `/statements/${world.statement.id}`, undefined, world.b.key);
    assert.ok(st.signatures.some((s) => s.organization === world.b.org.id && s.current));
    assert.equal(await page.getByRole("button", { name: msg("ja", "smove.approve") }).count(), 0);
});

test("the drafter drafts a statement with the form; a bad norm is refused beside its field first", async () => {
    const page = await signedInPage(browser, server, world.a.user, "en");
    await page.goto("/statements/new");
    await page.getByRole("heading", { level: 1, name: msg("en", "statements.new") }).waitFor();
    await page.getByLabel(msg("en", "statement.title_field")).fill("Statement on the relay outage");
    await page.getByLabel(msg("en", "statement.text_en")).fill("We assess it was deliberate.");
    await page.getByLabel(msg("en", "statement.text_ja")).fill("意図的なものと評価します。");
    await page.getByLabel(msg("en", "statement.confidence")).selectOption("likely");
    await page.getByLabel(msg("en", "statement.norms")).fill("h, z");
    await page.getByRole("button", { name: msg("en", "statement.create") }).click();
    await page.locator("#f-norms-error").waitFor();
    assert.equal(await page.getByLabel(msg("en", "statement.norms")).getAttribute("aria-invalid"), "true");
    await page.getByLabel(msg("en", "statement.norms")).fill("h");
    await page.getByRole("button", { name: msg("en", "statement.create") }).click();
    await page.getByRole("heading", { level: 1, name: "Statement on the relay outage" }).waitFor();
    assert.ok(await page.getByText("意図的なものと評価します。").isVisible());
    await page.getByRole("button", { name: msg("en", "smove.circulate") }).click();
    await page.getByRole("status").filter({ hasText: msg("en", "statement.moved") }).waitFor();
});

test("an organization that is not an issuer does not see a circulating statement", async () => {
    const page = await signedInPage(browser, server, world.c.user, "en");
    await page.goto("/statements");
    await page.getByRole("heading", { level: 1, name: msg("en", "statements.title") }).waitFor();
    await page.getByText(msg("en", "list.empty")).waitFor();
    assert.equal(await page.getByRole("link", { name: world.statement.title }).count(), 0);
    await page.goto(`/statements/${world.statement.id}`);
    await page.getByRole("alert").waitFor();
});

test("the drafter corrects a published statement (a new draft) and withdraws it with a reason", async () => {
    const { a, b } = world;
    const st = await server.api("POST", "/statements", { title: "Statement to correct", text: { en: "First words." },
        cosigners: [b.org.id] }, a.key);
    await server.api("POST", `/statements/${st.id}/circulate`, {}, a.key);
    for (const k of [a.key, b.key]) await server.api("POST", `/statements/${st.id}/approve`, { content_hash: st.content_hash }, k);
    await server.api("POST", `/statements/${st.id}/publish`, {}, a.key);
    const page = await signedInPage(browser, server, a.user, "en");
    await page.goto(`/statements/${st.id}`);
    await page.getByRole("heading", { level: 1, name: "Statement to correct" }).waitFor();
    await page.getByRole("button", { name: msg("en", "smove.correct") }).click();
    await page.waitForURL((url) => url.pathname.startsWith("/statements/") && !url.pathname.endsWith(st.id));
    await page.getByRole("button", { name: msg("en", "smove.circulate") }).waitFor();  // a draft again
    const fix = page.url().split("/").pop();
    assert.equal((await server.api("GET", `/statements/${fix}`, undefined, a.key)).supersedes, st.id);
    await page.goto(`/statements/${st.id}`);
    await page.getByLabel(msg("en", "statement.reason")).fill("The facts changed.");
    await page.getByRole("button", { name: msg("en", "smove.withdraw") }).click();
    await page.getByRole("status").filter({ hasText: msg("en", "statement.moved") }).waitFor();
    const after = await server.api("GET", `/statements/${st.id}`, undefined, a.key);
    assert.equal(after.status, "withdrawn");
    assert.equal(after.withdraw_reason, "The facts changed.");
});
