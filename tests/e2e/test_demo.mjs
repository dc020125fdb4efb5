// The README's tour: on the database of `kizuna demo`, the Japanese CSIRT's demo user
// signs in with the printed password and finds requests waiting on My work, in Japanese.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { Server, launch, newPage, msg, axe, ROOT } from "./harness.mjs";

let server, browser;

before(async () => {
    server = await Server.start({ demo: true });
    browser = await launch();
});

after(async () => {
    await browser.close();
    assert.equal(await server.stop(), 0);
});

test("the demo user of Japan's CSIRT has requests waiting on My work", async () => {
    const line = server.initOutput.split("\n").find((l) => l.startsWith("demo user: demo@csirt.jp.example "));
    const [, , email, password] = line.split(" ");
    const data = JSON.parse(readFileSync(path.join(ROOT, "demo/directory.json"), "utf8"));
    const jp = "National CSIRT of Japan (fictitious)";
    const page = await newPage(browser, server, { lang: "ja" });
    await page.goto("/");
    await page.getByLabel(msg("ja", "signin.email")).fill(email);
    await page.getByLabel(msg("ja", "signin.password")).fill(password);
    await page.getByRole("button", { name: msg("ja", "signin.submit") }).click();
    await page.getByRole("heading", { level: 1, name: msg("ja", "home.title") }).waitFor();
    const waiting = page.getByRole("region", { name: msg("ja", "home.waiting") });
    const incoming = data.requests.filter((q) => q.to === jp);
    for (const q of incoming) await waiting.getByRole("link", { name: q.request.subject }).waitFor();
    assert.equal(await waiting.getByText(msg("ja", "home.waiting_none")).count(), 0);
    assert.deepEqual(await axe(page), []);
    assert.deepEqual(page.problems, []);
    await page.context().close();
});
