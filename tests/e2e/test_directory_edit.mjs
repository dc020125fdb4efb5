// Editing the directory in the browser: an analyst edits a contact of its own
// organization (a refused value is shown beside its field and nothing is written), is
// refused the edit of another organization's contact, and an admin creates an
// organization and makes it a client of the node.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Server, launch, msg, axe } from "./harness.mjs";
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

test("an analyst edits a contact of its own organization; a bad e-mail is refused beside its field first", async () => {
    const { b, contact } = world;
    const page = await signedInPage(browser, server, b.user, "ja");
    await page.goto(`/directory/${contact.id}`);
    await page.getByRole("link", { name: msg("ja", "directory.edit") }).click();
    await page.getByRole("heading", { level: 1, name: msg("ja", "directory.edit_title", { name: contact.full_name }) }).waitFor();
    const email = page.getByLabel(msg("ja", "contact.email"));
    assert.equal(await email.inputValue(), contact.email, "the form starts from the stored contact");
    await email.fill("not an address");
    await page.getByLabel(msg("ja", "contact.position")).fill("Duty officer");
    await page.getByRole("button", { name: msg("ja", "directory.save") }).click();
    await page.locator("#f-email-error").waitFor();
    assert.equal(await email.getAttribute("aria-invalid"), "true");
    assert.ok(await email.evaluate((el) => el === document.activeElement), "focus is on the field in error");
    const unchanged = await server.api("GET", `/contacts/${contact.id}`);
    assert.equal(unchanged.email, contact.email);
    assert.equal(unchanged.position, null, "a refused edit writes nothing");

    await email.fill("duty@csirt.sg.example");
    await page.getByLabel(msg("ja", "contact.phone")).fill("");
    await page.getByRole("button", { name: msg("ja", "directory.save") }).click();
    // exact: the edit page's own heading contains the name too, and is there before the save ends
    await page.getByRole("heading", { level: 1, name: contact.full_name, exact: true }).waitFor();
    const saved = await server.api("GET", `/contacts/${contact.id}`);
    assert.equal(saved.email, "duty@csirt.sg.example");
    assert.equal(saved.position, "Duty officer");
    assert.equal(saved.phone, null, "an emptied field is cleared");
    assert.deepEqual(saved.languages, ["en"], "fields not touched stay");
    await page.context().close();
});

test("an edit of another organization's contact is refused and changes nothing", async () => {
    const { c, contact } = world;
    const page = await signedInPage(browser, server, c.user, "en");
    await page.goto(`/directory/${contact.id}`);
    await page.getByRole("heading", { level: 1, name: contact.full_name }).waitFor();
    assert.equal(await page.getByRole("link", { name: msg("en", "directory.edit") }).count(), 0, "no edit link on another organization's card");
    await page.goto(`/directory/${contact.id}/edit`);
    const before = await server.api("GET", `/contacts/${contact.id}`);
    await page.getByLabel(msg("en", "contact.name")).fill("Someone else");
    await page.getByRole("button", { name: msg("en", "directory.save") }).click();
    await page.getByRole("alert").filter({ hasText: msg("en", "error.forbidden") }).waitFor();
    assert.equal(await page.getByLabel(msg("en", "contact.name")).inputValue(), "Someone else", "the form stays as it was");
    assert.deepEqual(await server.api("GET", `/contacts/${contact.id}`), before);
    await page.context().close();
});

test("an admin creates an organization (a bad website refused beside its field) and makes it a client", async () => {
    const page = await signedInPage(browser, server, world.admin, "en");
    await page.goto("/directory");
    await page.getByRole("link", { name: msg("en", "orgs.title") }).click();
    await page.getByRole("link", { name: msg("en", "orgs.new") }).click();
    await page.getByRole("heading", { level: 1, name: msg("en", "orgs.new") }).waitFor();
    await page.getByLabel(msg("en", "org.name")).fill("Ministry of Foreign Affairs (test)");
    await page.getByLabel(msg("en", "contact.state")).fill("fr");
    await page.getByLabel(msg("en", "org.kind")).selectOption("foreign-ministry");
    await page.getByLabel(msg("en", "org.website")).fill("javascript:alert(1)");
    await page.getByRole("button", { name: msg("en", "orgs.create") }).click();
    const website = page.getByLabel(msg("en", "org.website"));
    await page.locator("#f-website-error").waitFor();
    assert.equal(await website.getAttribute("aria-invalid"), "true");
    const none = await server.api("GET", "/organizations?q=Foreign");
    assert.equal(none.items.length, 0, "the refused organization was not written");
    assert.deepEqual(await axe(page), [], "the error shown passes axe-core");

    await website.fill("https://www.diplomatie.gouv.fr.example/");
    await page.getByRole("button", { name: msg("en", "orgs.create") }).click();
    await page.getByRole("heading", { level: 1, name: msg("en", "orgs.title") }).waitFor();
    const made = (await server.api("GET", "/organizations?q=Foreign")).items[0];
    assert.equal(made.state, "FR");
    assert.equal(made.client, false);

    await page.getByRole("link", { name: "Ministry of Foreign Affairs (test)", exact: true }).click();
    await page.getByRole("heading", { level: 1, name: msg("en", "orgs.edit_title", { name: made.name }) }).waitFor();
    await page.getByLabel(msg("en", "org.client_label")).check();
    await page.getByRole("button", { name: msg("en", "orgs.save") }).click();
    await page.getByRole("heading", { level: 1, name: msg("en", "orgs.title") }).waitFor();
    const row = page.getByRole("row").filter({ hasText: "Ministry of Foreign Affairs (test)" });
    await row.getByRole("cell", { name: msg("en", "common.yes") }).waitFor();
    const saved = await server.api("GET", `/organizations/${made.id}`);
    assert.equal(saved.client, true);
    assert.equal(saved.website, "https://www.diplomatie.gouv.fr.example/");
    await page.context().close();
});

test("an analyst is refused creating an organization", async () => {
    const page = await signedInPage(browser, server, world.b.user, "en");
    await page.goto("/organizations");
    await page.getByRole("heading", { level: 1, name: msg("en", "orgs.title") }).waitFor();
    assert.equal(await page.getByRole("link", { name: msg("en", "orgs.new") }).count(), 0);
    await page.goto("/organizations/new");
    await page.getByLabel(msg("en", "org.name")).fill("Not allowed");
    await page.getByLabel(msg("en", "contact.state")).fill("SG");
    await page.getByLabel(msg("en", "org.kind")).selectOption("other");
    await page.getByRole("button", { name: msg("en", "orgs.create") }).click();
    await page.getByRole("alert").filter({ hasText: msg("en", "error.forbidden") }).waitFor();
    assert.equal((await server.api("GET", "/organizations?q=allowed")).items.length, 0);
    await page.context().close();
});
