// Federation in the browser: two real nodes (Japan and the Czech Republic) peered by
// their fingerprints; the Japanese admin's peers page shows the Czech node's status,
// lag, delivery (a failed pull and its retry, pokes, the certificate check), keys
// across a rotation and a refused message with its reason, and pauses,
// resumes and syncs it; the objects that came from the Czech node show their origin in
// every detail view, without editing controls.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Server, launch, msg, axe } from "./harness.mjs";
import { makeUser, signedInPage } from "./fixtures.mjs";

let jp, cz, browser, admin, czPeer, world;

/* The delivery facts of a peer's section (its second list of facts), term -> value. */
async function delivery(section) {
    return section.locator("dl.facts").nth(1).evaluate((dl) => Object.fromEntries(
        [...dl.querySelectorAll("dt")].map((dt) => [dt.textContent.trim(), dt.nextElementSibling.textContent.trim()])));
}

async function peer(a, b) {
    const fingerprint = (await b.api("GET", "/node")).signing_key.fingerprint;
    return a.api("POST", "/peers", { url: b.base, fingerprint });
}

before(async () => {
    jp = await Server.start({ orgName: "NISC Japan (test)", state: "JP", args: ["--peer-sync", "0"] });
    cz = await Server.start({ orgName: "NUKIB Czechia (test)", state: "CZ", args: ["--peer-sync", "0"] });
    browser = await launch();
    czPeer = await peer(jp, cz);
    const jpPeer = await peer(cz, jp);
    await cz.api("POST", `/peers/${jpPeer.id}/sync`); // cz learns whom jp hosts: GREEN objects go to them
    // what the Czech node publishes: an organization, its contact, a GREEN incident and indicator
    const nic = await cz.org("CZ.NIC (test)", "CZ");
    const contact = await cz.api("POST", "/contacts", { organization: nic.id, full_name: "Jana Novakova", role: "csirt",
        email: "jana@csirt.cz.example", languages: ["cs", "en"] });
    const incident = await cz.api("POST", "/incidents", { title: "Phishing against ministries", rsit_type: "phishing",
        organization: nic.id, states: ["CZ"], tlp: "green" });
    const indicator = await cz.api("POST", "/indicators", { type: "domain", value: "login-ministry.example", tlp: "green",
        source: nic.id, incidents: [incident.id] });
    const rep = await jp.api("POST", `/peers/${czPeer.id}/sync`);
    assert.equal(rep.refused, 0);
    // a message jp refuses, with its reason: cz pulls while jp has paused it
    await jp.api("POST", `/peers/${czPeer.id}/pause`);
    await assert.rejects(cz.api("POST", `/peers/${jpPeer.id}/sync`), /502/);
    await jp.api("POST", `/peers/${czPeer.id}/resume`);
    // the Czech node rotates its key: jp is told, and accepts both keys for the overlap
    const rotation = await cz.api("POST", "/node/rotate-key", { overlap_seconds: 86400 });
    assert.equal(rotation.peers[0].delivered, true);
    // an exchange that fails: cz has paused jp when jp pulls; jp counts the failure and backs off
    await cz.api("POST", `/peers/${jpPeer.id}/pause`);
    await assert.rejects(jp.api("POST", `/peers/${czPeer.id}/sync`), /502/);
    await cz.api("POST", `/peers/${jpPeer.id}/resume`);
    admin = await makeUser(jp, { email: "admin@nisc.example", name: "Node Admin", organization: jp.nodeOrg, role: "admin",
        language: "en", time_zone: "UTC" });
    world = { nic, contact, incident, indicator, rotation };
});

after(async () => {
    await browser.close();
    assert.equal(await jp.stop(), 0);
    assert.equal(await cz.stop(), 0);
});

test("the peers page shows the Czech node's status, lag, keys and refused message, and pauses, resumes and syncs it", async () => {
    const page = await signedInPage(browser, jp, admin, "en");
    await page.goto("/admin/users");
    await page.getByRole("link", { name: msg("en", "admin.peers") }).click();
    await page.getByRole("heading", { level: 1, name: msg("en", "peers.title") }).waitFor();
    assert.equal(new URL(page.url()).pathname, "/admin/peers", "the page has its own URL");
    const name = "NUKIB Czechia (test)";
    const section = page.getByRole("region", { name: `${name} (CZ)` });
    await section.waitFor();
    const text = await section.innerText();
    assert.ok(text.includes(msg("en", "pstatus.active")) && text.includes(cz.base), text);
    assert.ok(text.includes(msg("en", "peers.waiting_in")) && text.includes(msg("en", "peers.last_success")), text);
    assert.ok(!text.includes(msg("en", "peers.never")), "an exchange happened");
    // its keys: the new one current, the old one still accepted, the rotation in its overlap
    assert.ok(text.includes(world.rotation.fingerprint) && text.includes(world.rotation.old_fingerprint), text);
    assert.ok(text.includes(msg("en", "keystate.overlap")) && text.includes(msg("en", "rotation.overlap")), text);
    // the refused message, with its reason
    const refusals = section.getByRole("table", { name: msg("en", "peers.refusals_of", { name }) });
    assert.match(await refusals.innerText(), /paused its peering/);
    // its delivery: the failed pull counted and its retry due, no pokes (--peer-sync 0), plain http
    const api = await jp.api("GET", `/peers/${czPeer.id}`);
    assert.equal(api.failures, 1);
    let d = await delivery(section);
    assert.equal(d[msg("en", "peers.failures")], "1", JSON.stringify(d));
    assert.ok(api.next_attempt && d[msg("en", "peers.next_attempt")] !== msg("en", "peers.next_when_asked"), JSON.stringify(d));
    assert.match(d[msg("en", "peers.next_attempt")], /\d/);
    assert.equal(d[msg("en", "peers.tls")], msg("en", "peers.tls_plain"));
    assert.equal(d[msg("en", "peers.poked")], msg("en", "peers.poked_never"));
    assert.equal(d[msg("en", "peers.poke_seq")], String(api.poke_seq));
    assert.equal(d[msg("en", "peers.pokes")], msg("en", "peers.pokes_ok"));
    assert.ok(text.includes(msg("en", "peers.delivery")) && api.last_error && text.includes(api.last_error), text);
    assert.deepEqual(await axe(page), []);

    await section.getByRole("button", { name: msg("en", "peers.pause", { name }) }).click();
    await page.getByRole("status").filter({ hasText: msg("en", "peers.paused", { name }) }).waitFor();
    assert.equal((await jp.api("GET", `/peers/${czPeer.id}`)).status, "paused");
    assert.ok(await section.getByRole("button", { name: msg("en", "peers.sync", { name }) }).isDisabled(), "no sync while paused");
    await section.getByRole("button", { name: msg("en", "peers.resume", { name }) }).click();
    await page.getByRole("status").filter({ hasText: msg("en", "peers.resumed", { name }) }).waitFor();
    assert.equal((await jp.api("GET", `/peers/${czPeer.id}`)).status, "active");
    await cz.org("CESNET (test)", "CZ");
    await section.getByRole("button", { name: msg("en", "peers.sync", { name }) }).click();
    await page.getByRole("status").filter({ hasText: msg("en", "peers.synced", { name, applied: 1, refused: 0 }) }).waitFor();
    // a success ends the backoff: no failures, the next pull only when asked
    d = await delivery(section);
    assert.equal(d[msg("en", "peers.failures")], "0", JSON.stringify(d));
    assert.equal(d[msg("en", "peers.next_attempt")], msg("en", "peers.next_when_asked"));
    assert.deepEqual(await axe(page), []);
    assert.deepEqual(page.problems, []);
    await page.context().close();
});

test("the peers page in Japanese", async () => {
    const page = await signedInPage(browser, jp, admin, "ja");
    await page.goto("/admin/peers");
    await page.getByRole("heading", { level: 1, name: msg("ja", "peers.title") }).waitFor();
    await page.getByRole("button", { name: msg("ja", "peers.pause", { name: "NUKIB Czechia (test)" }) }).waitFor();
    assert.match(await page.locator("main").innerText(), new RegExp(msg("ja", "rotation.overlap")));
    const d = await delivery(page.getByRole("region", { name: "NUKIB Czechia (test) (CZ)" }));
    assert.equal(d[msg("ja", "peers.tls")], msg("ja", "peers.tls_plain"), JSON.stringify(d));
    assert.equal(d[msg("ja", "peers.pokes")], msg("ja", "peers.pokes_ok"));
    assert.deepEqual(await axe(page), []);
    assert.deepEqual(page.problems, []);
    await page.context().close();
});

test("every object from the Czech node shows its origin and no editing controls", async () => {
    const page = await signedInPage(browser, jp, admin, "en");
    const origin = msg("en", "origin.from", { name: "NUKIB Czechia (test)", state: "CZ" });
    const note = page.getByRole("note").filter({ hasText: origin });

    await page.goto(`/directory/${world.contact.id}`);
    await page.getByRole("heading", { level: 1, name: "Jana Novakova" }).waitFor();
    await note.waitFor();
    assert.ok((await note.innerText()).includes(msg("en", "origin.read_only")));
    assert.equal(await page.getByRole("link", { name: msg("en", "directory.edit") }).count(), 0, "no edit link, even for an admin");
    assert.deepEqual(await axe(page), []);

    await page.goto(`/organizations/${world.nic.id}`);
    await note.waitFor();
    assert.ok(await page.getByLabel(msg("en", "org.name")).isDisabled(), "the organization's fields are read-only");
    assert.equal(await page.getByRole("button", { name: msg("en", "orgs.save") }).count(), 0);
    assert.deepEqual(await axe(page), []);

    await page.goto(`/incidents/${world.incident.id}`);
    await page.getByRole("heading", { level: 1, name: "Phishing against ministries" }).waitFor();
    await note.waitFor();
    assert.equal(await page.getByRole("heading", { name: msg("en", "incident.edit") }).count(), 0);
    assert.equal(await page.getByRole("button", { name: msg("en", "incident.add_note") }).count(), 0);
    assert.deepEqual(await axe(page), []);

    await page.goto("/indicators");
    await page.getByRole("link", { name: "login-ministry.example" }).click();
    await page.getByRole("heading", { level: 1, name: "login-ministry.example" }).waitFor();
    await note.waitFor();
    assert.equal(new URL(page.url()).pathname, `/indicators/${world.indicator.id}`);
    assert.deepEqual(await axe(page), []);

    // this node's own objects show no origin, and keep their controls
    const own = await jp.api("POST", "/contacts", { organization: jp.nodeOrg, full_name: "Kenji Sato", role: "csirt",
        email: "duty@nisc.example" });
    await page.goto(`/directory/${own.id}`);
    await page.getByRole("link", { name: msg("en", "directory.edit") }).waitFor();
    assert.equal(await page.getByRole("note").count(), 0);
    assert.deepEqual(page.problems, []);
    await page.context().close();
});
