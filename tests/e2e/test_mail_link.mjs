// The link of a mailed request notice, followed in a browser that is not signed in:
// the sign-in page first, then the request's own page (not the JSON API), as the
// recipient of the notice needs to act on it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Server, launch, newPage, msg } from "./harness.mjs";
import { seed } from "./fixtures.mjs";
import { Mailbox } from "./smtp.mjs";

let server, browser, world, mailbox;

before(async () => {
    mailbox = await Mailbox.start();
    server = await Server.start({ args: ["--smtp-url", mailbox.url, "--smtp-from", "kizuna@node.example", "--public-url", "{base}"] });
    browser = await launch();
    world = await seed(server);
});

after(async () => {
    await browser.close();
    assert.equal(await server.stop(), 0);
    await mailbox.stop();
});

for (const lang of ["en", "ja"]) {
    test(`the link in a request notice opens the request's page after sign-in (${lang})`, async () => {
        const text = await mailbox.waitFor(world.contact.email);
        const links = text.match(/https?:\/\/\S+/g) || [];
        assert.deepEqual([...new Set(links)], [`${server.base}/requests/${world.request.id}`], "the notice links to the request's page only");

        const page = await newPage(browser, server, { lang });
        await page.goto(links[0]);
        await page.getByRole("heading", { level: 1, name: msg(lang, "signin.title") }).waitFor();
        await page.getByLabel(msg(lang, "signin.email")).fill(world.b.user.email);
        await page.getByLabel(msg(lang, "signin.password")).fill(world.b.user.password);
        await page.getByRole("button", { name: msg(lang, "signin.submit") }).click();
        await page.getByRole("heading", { level: 1, name: world.request.subject }).waitFor();
        assert.equal(new URL(page.url()).pathname, `/requests/${world.request.id}`);
        // the recipient can act on it: its moves are there as buttons
        await page.getByRole("button", { name: msg(world.b.user.language, "move.acknowledge") }).waitFor();
        assert.deepEqual(page.problems, []);
        await page.context().close();
    });
}
