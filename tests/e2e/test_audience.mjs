// "Who will see this" in the TLP picker: before anything is saved, the incident and
// indicator forms show the organizations the server's policy lets see the object as
// the form stands, and follow every change of label, recipients and clients.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Server, launch, msg, axe, missingMessages } from "./harness.mjs";
import { signedInPage, seed } from "./fixtures.mjs";

let server, browser, world;

before(async () => {
    server = await Server.start();
    browser = await launch();
    world = await seed(server);
    // a client of the node: it sees AMBER only when the source allows clients
    world.client = { org: await server.org("Port authority (client)", "JP", { client: true }) };
});

after(async () => {
    await browser.close();
    assert.equal(await server.stop(), 0);
});

/* The organization names the audience list shows now, once it shows `n` of them. */
async function audience(page, lang, n) {
    const list = page.getByRole("list", { name: msg(lang, "tlp.audience") });
    await page.getByText(msg(lang, "tlp.audience_named", { n })).waitFor();
    return (await list.getByRole("listitem").allTextContents()).sort();
}

const line = (lang, org, why) => msg(lang, "tlp.audience_org", { organization: org.name, state: org.state, why: msg(lang, `audience.${why}`) });

for (const lang of ["en", "ja"]) {
    test(`the incident form shows who will see it before saving (${lang})`, async () => {
        const { a, b, c, client } = world;
        const page = await signedInPage(browser, server, a.user, lang);
        await page.goto("/incidents/new");
        await page.getByRole("heading", { level: 2, name: msg(lang, "tlp.audience") }).waitFor();
        assert.deepEqual(await audience(page, lang, 1), [line(lang, a.org, "source")], "AMBER without recipients stays with its source");

        await page.getByLabel(msg(lang, "tlp.recipients")).selectOption(c.org.id);
        assert.deepEqual(await audience(page, lang, 2), [line(lang, a.org, "source"), line(lang, c.org, "recipient")].sort());

        await page.getByLabel(msg(lang, "tlp.allow_clients")).check();
        assert.deepEqual(await audience(page, lang, 3),
            [line(lang, a.org, "source"), line(lang, c.org, "recipient"), line(lang, client.org, "client")].sort());
        assert.deepEqual(await axe(page), [], "axe-core finds nothing with the audience shown");

        await page.getByRole("radio", { name: msg(lang, "tlp.amber+strict") }).check();
        assert.deepEqual(await audience(page, lang, 2), [line(lang, a.org, "source"), line(lang, c.org, "recipient")].sort(),
            "AMBER+STRICT ignores the clients");

        await page.getByRole("radio", { name: msg(lang, "tlp.green") }).check();
        await page.getByText(msg(lang, "tlp.audience_members", { n: 4 })).waitFor();
        await page.getByRole("radio", { name: msg(lang, "tlp.clear") }).check();
        await page.getByText(msg(lang, "tlp.audience_anyone", { n: 4 })).waitFor();

        // what was shown is what the saved incident gives: b, not named, cannot read it
        await page.getByRole("radio", { name: msg(lang, "tlp.red") }).check();
        assert.deepEqual(await audience(page, lang, 2), [line(lang, a.org, "source"), line(lang, c.org, "recipient")].sort());
        await page.getByLabel(msg(lang, "incident.title_field")).fill(`Shown before saving ${lang}`);
        await page.getByLabel(msg(lang, "incident.type")).selectOption("phishing");
        await page.getByRole("button", { name: msg(lang, "incidents.create") }).click();
        await page.getByRole("heading", { level: 1, name: `Shown before saving ${lang}` }).waitFor();
        const id = new URL(page.url()).pathname.split("/").pop();
        const stored = await server.api("GET", `/incidents/${id}/audience`, undefined, a.key);
        assert.deepEqual(stored.organizations.map((o) => o.id).sort(), [a.org.id, c.org.id].sort());
        await assert.rejects(server.api("GET", `/incidents/${id}`, undefined, b.key), /404/);
        const shown = page.getByRole("list", { name: msg(lang, "incident.audience") });
        await shown.waitFor();
        assert.deepEqual((await shown.getByRole("listitem").allTextContents()).sort(),
            [line(lang, a.org, "source"), line(lang, c.org, "recipient")].sort(), "the saved incident's page says who sees it");
        assert.equal(await missingMessages(page), "");
        assert.deepEqual(page.problems, []);
        await page.context().close();
    });
}

test("the indicator form shows who will see what is pasted", async () => {
    const { b, a } = world;
    const page = await signedInPage(browser, server, b.user, "ja");
    await page.goto("/indicators/new");
    assert.deepEqual(await audience(page, "ja", 1), [line("ja", b.org, "source")]);
    await page.getByLabel(msg("ja", "tlp.recipients")).selectOption(a.org.id);
    assert.deepEqual(await audience(page, "ja", 2), [line("ja", b.org, "source"), line("ja", a.org, "recipient")].sort());
    assert.deepEqual(await axe(page), []);
    await page.context().close();
});
