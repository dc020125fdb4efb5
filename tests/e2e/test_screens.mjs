// Every screen of the web interface, in English and in Japanese: it renders its one h1,
// asks for no message the catalogues lack, raises no script error or CSP violation, and
// axe-core finds no WCAG 2.2 A/AA violation.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Server, launch, newPage, axe, missingMessages, msg } from "./harness.mjs";
import { signIn, seed } from "./fixtures.mjs";

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

const SCREENS = [
    ["sign in", () => "/sign-in", false],
    ["set password", () => "/set-password?token=x", false],
    ["my work", () => "/", true],
    ["requests", () => "/requests?box=inbox", true],
    ["request", () => `/requests/${world.request.id}`, true],
    ["new request", () => "/requests/new?kind=preservation", true],
    ["incidents", () => "/incidents", true],
    ["incident", () => `/incidents/${world.incident.id}`, true],
    ["new incident", () => "/incidents/new", true],
    ["indicators", () => "/indicators", true],
    ["import a file", () => "/import", true],
    ["share indicators", () => `/indicators/new?incident=${world.incident.id}`, true],
    ["directory", () => "/directory?state=SG", true],
    ["contact", () => `/directory/${world.contact.id}`, true],
    ["new contact", () => "/directory/new", true],
    ["edit contact", () => `/directory/${world.contact.id}/edit`, true],
    ["organizations", () => "/organizations", "admin"],
    ["new organization", () => "/organizations/new", "admin"],
    ["edit organization", () => `/organizations/${world.b.org.id}`, "admin"],
    ["checks", () => "/checks", true],
    ["check", () => `/checks/${world.check.id}`, true],
    ["new check", () => "/checks/new", true],
    ["statements", () => "/statements", true],
    ["statement", () => `/statements/${world.statement.id}`, true],
    ["draft a statement", () => "/statements/new", true],
    ["statistics", () => "/statistics?box=outbox", true],
    ["norms", () => "/norms", true],
    ["norm", () => "/norms/h", true],
    ["library", () => "/library?q=重要インフラ", true],
    ["document", () => `/library/${world.document.id}`, true],
    ["document with relations", () => `/library/${world.regulation.id}`, true],
    ["comparison", () => "/library/compare?states=JP,SG,KR,FR&norm=h", true],
    ["surveys", () => "/surveys", true],
    ["survey", () => `/surveys/${world.survey.id}`, true],
    ["users", () => "/admin/users", "admin"],
    ["keys", () => "/admin/keys", "admin"],
    ["settings", () => "/admin/settings", "admin"],
    ["audit chain", () => "/admin/audit", "admin"],
    ["unknown page", () => "/no/such/page", true],
];

for (const lang of ["en", "ja"]) {
    for (const [name, url, signedIn] of SCREENS) {
        test(`${name} renders in ${lang} with every message and no WCAG 2.2 A/AA violation`, async () => {
            const page = await newPage(browser, server, { lang });
            if (signedIn) await signIn(page, server, signedIn === "admin" ? world.admin : world.b.user, lang);
            await page.goto(url());
            await page.getByRole("heading", { level: 1 }).waitFor();
            await page.waitForFunction(() => !document.querySelector("[role=status]")?.textContent.match(/Loading|読み込んで/));
            assert.equal(await page.locator("html").getAttribute("lang"), lang);
            assert.equal(await page.getByRole("heading", { level: 1 }).count(), 1, "one h1 per page");
            assert.equal(await missingMessages(page), "", "no message missing");
            assert.ok(await page.getByRole("banner").getByLabel(msg(lang, "nav.language"), { exact: true }).isVisible(), "the language switch is on every page");
            if (signedIn) assert.equal(await page.getByRole("navigation", { name: msg(lang, "nav.main") }).count(), 1);
            assert.deepEqual(await axe(page), []);
            assert.deepEqual(page.problems, []);
            await page.context().close();
        });
    }
}
