// A request between two real nodes (Japan and the Czech Republic, peered by their
// fingerprints) in the browser: the Japanese analyst's new-request form names the node
// of each Czech organization, the request is created and sent as any other, its page
// says which node holds the other side and how this node's moves reached it; the Czech
// analyst, on the Czech node and in Japanese, acknowledges it, and the move shows at the
// Japanese node as arrived from the Czech node. A communication check that includes a
// Czech contact names, per invitation, the node that invites the contact and takes the answer.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Server, launch, msg, axe, missingMessages } from "./harness.mjs";
import { makeUser, signedInPage } from "./fixtures.mjs";

let jp, cz, browser, world;

async function peer(a, b) {
    const fingerprint = (await b.api("GET", "/node")).signing_key.fingerprint;
    return a.api("POST", "/peers", { url: b.base, fingerprint });
}

const JP_NODE = "NISC Japan (test)", CZ_NODE = "NUKIB Czechia (test)";

before(async () => {
    jp = await Server.start({ orgName: JP_NODE, state: "JP", args: ["--peer-sync", "0"] });
    cz = await Server.start({ orgName: CZ_NODE, state: "CZ", args: ["--peer-sync", "0"] });
    browser = await launch();
    const czAtJp = await peer(jp, cz), jpAtCz = await peer(cz, jp);
    const jpcert = await jp.org("JPCERT/CC (test)", "JP");
    const czcert = await cz.org("CSIRT.CZ (test)", "CZ");
    // the directory both ways: each node now hosts a copy of the other's organizations
    await jp.api("POST", `/peers/${czAtJp.id}/sync`);
    await cz.api("POST", `/peers/${jpAtCz.id}/sync`);
    const taro = await makeUser(jp, { email: "taro@jpcert.example", name: "Taro Yamada", organization: jpcert.id,
        role: "analyst", language: "en", time_zone: "UTC" });
    const jana = await makeUser(cz, { email: "jana@csirt.cz.example", name: "Jana Novakova", organization: czcert.id,
        role: "analyst", language: "ja", time_zone: "UTC" });
    world = { czAtJp, jpAtCz, jpcert, czcert, taro, jana };
});

after(async () => {
    await browser.close();
    assert.equal(await jp.stop(), 0);
    assert.equal(await cz.stop(), 0);
});

/* cz pulls what waits at jp, and once more so that jp sees its cursor acknowledged. */
const czPulls = async () => { await cz.api("POST", `/peers/${world.jpAtCz.id}/sync`); await cz.api("POST", `/peers/${world.jpAtCz.id}/sync`); };
const jpPulls = async () => { await jp.api("POST", `/peers/${world.czAtJp.id}/sync`); await jp.api("POST", `/peers/${world.czAtJp.id}/sync`); };

async function settled(page, text) {
    const done = page.getByRole("status").filter({ hasText: text });
    const error = page.locator("main .error");
    await done.or(error).first().waitFor();
    if (await error.count()) assert.fail(`the page shows an error: ${await error.first().innerText()}`);
}

function federationSection(page, lang) {
    return page.getByRole("region", { name: msg(lang, "request.federation") });
}

test("a request to an organization of the Czech node, from the form to a move that came back", async () => {
    const subject = "Phishing kit hosted in Czechia";
    const a = await signedInPage(browser, jp, world.taro, "en");
    await a.goto("/requests/new?kind=information");
    const to = a.getByLabel(msg("en", "request.to"));
    await to.waitFor();
    // the Czech organization is offered with its node; this node's own ones as before
    const czLabel = msg("en", "request.org_at_node", { name: "CSIRT.CZ (test)", state: "CZ", node: CZ_NODE, node_state: "CZ" });
    const labels = await to.locator("option").allInnerTexts();
    assert.ok(labels.includes(czLabel), labels.join(" | "));
    assert.ok(labels.includes(`${JP_NODE} (JP)`), "a local organization keeps its plain label");
    assert.ok((await a.locator("main").innerText()).includes(msg("en", "request.to_hint")));
    assert.deepEqual(await axe(a), []);
    await to.selectOption({ label: czLabel });
    await a.getByLabel(msg("en", "request.subject")).fill(subject);
    await a.getByLabel(msg("en", "request.description"), { exact: true }).fill("A kit on a Czech host sends credentials to a drop box.");
    await a.getByLabel(msg("en", "reqfield.questions")).fill("Can you reach the hosting provider?");
    await a.getByRole("button", { name: msg("en", "requests.create") }).click();
    await a.getByRole("heading", { level: 1, name: subject }).waitFor();
    const rid = new URL(a.url()).pathname.split("/").pop();

    // its page: which node holds the other side; a draft stays here
    const fed = federationSection(a, "en");
    await fed.waitFor();
    let text = await fed.innerText();
    assert.ok(text.includes(msg("en", "request.federation_text", { side: msg("en", "side.recipient"), name: CZ_NODE, state: "CZ" })), text);
    assert.ok(text.includes(msg("en", "delivery.draft")), text);
    assert.deepEqual(await axe(a), []);
    await a.getByRole("button", { name: msg("en", "move.send"), exact: true }).click();
    await settled(a, msg("en", "request.moved"));
    assert.ok((await fed.innerText()).includes(msg("en", "delivery.waiting")));

    // the Czech node pulls it: the Czech analyst, in Japanese, acknowledges it there
    await czPulls();
    await a.reload();
    await fed.getByText(msg("en", "delivery.delivered")).waitFor();
    const b = await signedInPage(browser, cz, world.jana, "ja");
    await b.goto("/requests?box=inbox");
    await b.getByRole("link", { name: subject }).click();
    await b.getByRole("heading", { level: 1, name: subject }).waitFor();
    assert.equal(new URL(b.url()).pathname, `/requests/${rid}`, "the same request, by the same id, on the other node");
    const there = federationSection(b, "ja");
    text = await there.innerText();
    assert.ok(text.includes(msg("ja", "request.federation_text", { side: msg("ja", "side.sender"), name: JP_NODE, state: "JP" })), text);
    assert.ok(text.includes(msg("ja", "delivery.none")), text);
    // the moves made at the Japanese node show as arrived from it
    const arrivedJp = msg("ja", "request.arrived_from", { name: JP_NODE });
    assert.equal(await b.locator(".thread li").filter({ hasText: arrivedJp }).count(), 2, "create and send came from jp");
    assert.deepEqual(await axe(b), []);
    await b.getByRole("button", { name: msg("ja", "move.acknowledge"), exact: true }).click();
    await settled(b, msg("ja", "request.moved"));
    assert.ok((await there.innerText()).includes(msg("ja", "delivery.waiting")));

    // back at the Japanese node: the acknowledgement arrived from the Czech node
    await jpPulls();
    await a.reload();
    await a.getByText(msg("en", "status.acknowledged"), { exact: true }).first().waitFor();
    const arrivedCz = msg("en", "request.arrived_from", { name: CZ_NODE });
    const acked = a.locator(".thread li").filter({ hasText: msg("en", "action.acknowledge") });
    assert.ok((await acked.innerText()).includes(arrivedCz), await acked.innerText());
    assert.equal(await a.locator(".thread li").filter({ hasText: arrivedCz }).count(), 1, "only the Czech side's move");
    assert.deepEqual(await axe(a), []);
    await b.reload();
    await there.getByText(msg("ja", "delivery.delivered")).waitFor();

    // each node's page checks the record signed by both nodes, with the peer key under its seal
    await a.getByRole("button", { name: msg("en", "record.verify") }).click();
    await a.getByRole("status").filter({ hasText: msg("en", "record.intact", { entries: 3, status: msg("en", "status.acknowledged") }) }).waitFor();
    await b.getByRole("button", { name: msg("ja", "record.verify") }).click();
    await b.getByRole("status").filter({ hasText: msg("ja", "record.intact", { entries: 3, status: msg("ja", "status.acknowledged") }) }).waitFor();
    // and refuses the Czech node's move when the record names no key for it
    const refused = await a.evaluate(async (rid) => {
        const { verifyRecord } = await import("/js/record.js");
        const [doc, node] = await Promise.all([
            fetch(`/api/v1/requests/${rid}/record?format=json`).then((r) => r.json()),
            fetch("/api/v1/node").then((r) => r.json())]);
        doc.node.peers = [];
        return verifyRecord(doc, node.signing_key.public_key);
    }, rid);
    assert.deepEqual(refused, { ok: false, seq: 2, reason: "key" });
    assert.equal(await missingMessages(a), "", "every string from the catalogues");
    assert.equal(await missingMessages(b), "");
    assert.deepEqual(a.problems, []);
    assert.deepEqual(b.problems, []);
    await a.context().close();
    await b.context().close();
});

test("a check that includes a contact of the Czech node says that node invites her and takes her answer", async () => {
    const jana = await cz.api("POST", "/contacts", { organization: world.czcert.id, full_name: "Jana Dvorakova", role: "csirt",
        email: "jana.d@csirt.cz.example" });
    await jpPulls(); // jp now holds the Czech contact, from the Czech node
    const hiro = await jp.api("POST", "/contacts", { organization: world.jpcert.id, full_name: "Hiro Tanaka", role: "csirt",
        email: "hiro@jpcert.example" });
    const check = await jp.api("POST", "/checks", { contacts: [jana.id, hiro.id], deadline_hours: 24 }, await jp.key(world.jpcert.id));
    const byContact = Object.fromEntries(check.contacts.map((x) => [x.contact, x]));
    assert.equal(byContact[jana.id].node.name, CZ_NODE);
    assert.equal(byContact[hiro.id].node, null);

    const a = await signedInPage(browser, jp, world.taro, "en");
    await a.goto(`/checks/${check.id}`);
    const invitations = a.getByRole("table", { name: msg("en", "check.invitations") });
    await invitations.waitFor();
    assert.ok((await invitations.locator("thead").innerText()).includes(msg("en", "check.node")));
    const row = (name) => invitations.getByRole("row").filter({ has: a.getByRole("link", { name }) });
    assert.ok((await row("Jana Dvorakova").innerText()).includes(msg("en", "check.node_peer", { name: CZ_NODE })));
    assert.ok((await row("Hiro Tanaka").innerText()).includes(msg("en", "check.node_here")));
    assert.equal(await row("Jana Dvorakova").getByRole("button").count(), 0, "answered at her node, not here");
    assert.deepEqual(await axe(a), []);
    assert.equal(await missingMessages(a), "", "every string from the catalogues");
    assert.deepEqual(a.problems, []);
    await a.context().close();
});
