// Table-top exercises through the screens (issue 16 point 7): a facilitator writes a
// scenario in the editor (a negative offset refused beside its field first), runs it
// from the control view (start, an inject delivered early, a manual expectation marked
// with a note, finish), a player sees the run's banner atop the screen and on the
// incident the run delivered, and the after-action report takes an observation and a
// corrective action; then the same with a built-in scenario copied, in Japanese. Each
// view is checked with axe-core.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Server, launch, msg, axe, missingMessages } from "./harness.mjs";
import { makeUser, signedInPage } from "./fixtures.mjs";

let server, browser, facilitator, player, playerOrg, outsider;

before(async () => {
    server = await Server.start();
    browser = await launch();
    facilitator = await makeUser(server, { email: "fumi@example.org", name: "Fumi Facilitator", organization: server.nodeOrg,
        role: "analyst", language: "en", time_zone: "Asia/Tokyo" });
    playerOrg = await server.org("Player CSIRT (test)", "JP");
    player = await makeUser(server, { email: "pat@example.org", name: "Pat Player", organization: playerOrg.id,
        role: "analyst", language: "en", time_zone: "Asia/Tokyo" });
    const outsiderOrg = await server.org("Outside CSIRT (test)", "KR");
    outsider = await makeUser(server, { email: "oz@example.org", name: "Oz Outsider", organization: outsiderOrg.id,
        role: "analyst", language: "en", time_zone: "Asia/Seoul" });
});

after(async () => {
    await browser.close();
    assert.equal(await server.stop(), 0);
});

async function clean(page, where) {
    assert.deepEqual(await axe(page), [], `axe on ${where}`);
    assert.equal(await missingMessages(page), "", `messages missing on ${where}`);
    assert.deepEqual(page.problems, [], `script errors on ${where}`);
}

/* Fills the labelled control `label` inside the fieldset named `group`. */
async function fill(page, lang, group, label, value) {
    const box = page.getByRole("group", { name: group, exact: true }).getByLabel(msg(lang, label), { exact: true });
    if (await box.evaluate((el) => el.tagName === "SELECT")) await box.selectOption(value);
    else await box.fill(String(value));
}

/* Creates a run of the scenario shown on the page with the player's organization in `role`,
   starts it and returns the run's id; on the control view. */
async function runFromScenarioPage(page, lang, roleName) {
    await page.getByRole("link", { name: msg(lang, "scenario.run") }).click();
    await page.getByRole("heading", { level: 1, name: msg(lang, "exercises.new") }).waitFor();
    await page.getByLabel(roleName, { exact: true }).selectOption(playerOrg.id);
    assert.equal(await page.getByLabel(msg(lang, "exercise.player_user", { role: roleName }), { exact: true }).count(), 0,
        "a facilitator who may not list users names organizations only");
    await clean(page, "the new run");
    await page.getByRole("button", { name: msg(lang, "exercise.create") }).click();
    await page.waitForURL(/\/exercises\/[0-9a-f-]{36}$/);
    const id = page.url().split("/").pop();
    await page.getByRole("button", { name: msg(lang, "exmove.start") }).click();
    await page.getByRole("status").filter({ hasText: msg(lang, "exercise.moved", { status: msg(lang, "exmove.start") }) }).waitFor();
    assert.equal((await server.api("GET", `/exercises/${id}`)).status, "running");
    return id;
}

test("a scenario written in the editor runs from the control view; the player sees the banner; the report takes notes", async () => {
    const lang = "en";
    const page = await signedInPage(browser, server, facilitator, lang);
    await page.goto("/scenarios");
    await page.getByRole("link", { name: msg(lang, "scenarios.new") }).click();
    await page.getByRole("heading", { level: 1, name: msg(lang, "scenarios.new") }).waitFor();
    await page.getByLabel(msg(lang, "scenario.title_field"), { exact: true }).first().fill("Port outage drill");
    await page.getByLabel(msg(lang, "scenario.banner"), { exact: true }).fill("EXERCISE EXERCISE: port outage drill");
    await page.getByLabel(msg(lang, "scenario.banner_ja"), { exact: true }).fill("演習：港湾停止訓練");
    const obj = msg(lang, "scenario.objective_n", { n: 1 });
    await fill(page, lang, obj, "scenario.item_id", "coordinate");
    await fill(page, lang, obj, "scenario.title_field", "Coordinate with the port");
    const role1 = msg(lang, "scenario.role_n", { n: 1 });
    await fill(page, lang, role1, "scenario.item_id", "victim");
    await fill(page, lang, role1, "xrole.name", "Victim CSIRT");
    await fill(page, lang, role1, "xrole.state", "JP");
    await page.getByRole("button", { name: msg(lang, "scenario.add_roles") }).click();
    const role2 = msg(lang, "scenario.role_n", { n: 2 });
    await fill(page, lang, role2, "scenario.item_id", "port");
    await fill(page, lang, role2, "xrole.name", "The port operator");
    await fill(page, lang, role2, "xrole.org_kind", "operator");
    await fill(page, lang, role2, "xrole.contact_role", "technical");
    await fill(page, lang, role2, "xrole.state", "JP");
    const inj1 = msg(lang, "scenario.inject_n", { n: 1 });
    await fill(page, lang, inj1, "inject.at_minutes", -5);
    await fill(page, lang, inj1, "inject.channel", "incident");
    await fill(page, lang, inj1, "inject.from_role", "port");
    await fill(page, lang, inj1, "inject.to_role", "victim");
    await fill(page, lang, inj1, "inject.title_en", "Cranes stopped at the container port");
    await fill(page, lang, inj1, "inject.title_ja", "コンテナ港のクレーンが停止");
    await fill(page, lang, inj1, "inject.text_en", "The terminal's control systems are down.");
    await fill(page, lang, inj1, "inject.text_ja", "ターミナルの制御システムが停止しています。");
    await fill(page, lang, inj1, "inject.indicators", "ipv4:198.51.100.77");
    await page.getByRole("button", { name: msg(lang, "scenario.add_injects") }).click();
    const inj2 = msg(lang, "scenario.inject_n", { n: 2 });
    await fill(page, lang, inj2, "inject.trigger", "after");
    await fill(page, lang, inj2, "inject.after", 1);
    await fill(page, lang, inj2, "inject.delay_minutes", 30);
    await fill(page, lang, inj2, "inject.channel", "news");
    await fill(page, lang, inj2, "inject.to_role", "victim");
    await fill(page, lang, inj2, "inject.title_en", "News: ships wait outside the port");
    await fill(page, lang, inj2, "inject.text_en", "Dozens of ships are waiting.");
    await fill(page, lang, inj2, "inject.text_ja", "数十隻が待機しています。");
    const exp1 = msg(lang, "scenario.expectation_n", { n: 1 });
    await fill(page, lang, exp1, "scenario.item_id", "call-port");
    await fill(page, lang, exp1, "expect.title_en", "The CSIRT calls the port operator");
    await fill(page, lang, exp1, "expect.role", "victim");
    await fill(page, lang, exp1, "expect.objective", "coordinate");
    await fill(page, lang, exp1, "expect.deadline_minutes", 60);
    await fill(page, lang, exp1, "expect.weight", 2);
    const choices = (list) => page.locator(`#dl-${list} option`).evaluateAll((os) => os.map((o) => o.value));
    assert.deepEqual(await choices("roles"), ["victim", "port"], "the role fields offer the roles' ids");
    assert.deepEqual(await choices("objectives"), ["coordinate"]);
    await clean(page, "the scenario editor");
    await page.getByRole("button", { name: msg(lang, "scenario.create") }).click();
    const offset = page.getByRole("group", { name: inj1, exact: true }).getByLabel(msg(lang, "inject.at_minutes"));
    await page.locator("#f-injects-0--at_minutes-error").waitFor();
    assert.equal(await offset.getAttribute("aria-invalid"), "true");
    assert.equal(await page.evaluate(() => document.activeElement.name), "injects[0].at_minutes");
    await clean(page, "the editor with an error");
    await offset.fill("0");
    await page.getByRole("button", { name: msg(lang, "scenario.create") }).click();
    await page.getByRole("heading", { level: 1, name: "Port outage drill" }).waitFor();
    const injects = page.getByRole("table", { name: msg(lang, "scenario.injects") });
    assert.ok((await injects.textContent()).includes(msg(lang, "inject.when_after", { n: 1, minutes: 30 })));
    await clean(page, "the scenario page");

    const ex = await runFromScenarioPage(page, lang, "Victim CSIRT");
    const table = page.getByRole("table", { name: msg(lang, "scenario.injects") });
    await table.getByText(msg(lang, "inject.delivered_at", { clock: "0:00:00" })).waitFor();
    await page.getByRole("button", { name: msg(lang, "inject.trigger_now", { n: 2 }) }).click();
    await page.getByRole("status").filter({ hasText: msg(lang, "inject.triggered", { n: 2 }) }).waitFor();
    assert.ok((await table.getByRole("row").nth(2).textContent()).includes(msg(lang, "inject.early")));
    await page.getByRole("region", { name: msg(lang, "exercise.messages") }).getByText("News: ships wait outside the port").waitFor();
    const mark = page.getByRole("form", { name: msg(lang, "expect.mark_of", { title: "The CSIRT calls the port operator" }) });
    await mark.getByLabel(msg(lang, "expect.note")).fill("Called the port at minute 3.");
    await mark.getByRole("button", { name: msg(lang, "expect.mark") }).click();
    await page.getByRole("status").filter({ hasText: msg(lang, "exercise.marked", { title: "The CSIRT calls the port operator" }) }).waitFor();
    const expectations = page.getByRole("table", { name: msg(lang, "scenario.expectations") });
    assert.ok((await expectations.textContent()).includes(msg(lang, "exresult.met")));
    await page.getByRole("table", { name: msg(lang, "exercise.timeline") }).getByText(msg(lang, "exercise.event_inject",
        { n: 2, title: "News: ships wait outside the port" })).waitFor();
    await clean(page, "the control view");

    await page.getByRole("button", { name: msg(lang, "exmove.pause") }).click();
    await page.getByRole("status").filter({ hasText: msg(lang, "exercise.moved", { status: msg(lang, "exmove.pause") }) }).waitFor();
    await page.getByLabel(msg(lang, "exercise.speed")).fill("0");
    await page.getByRole("button", { name: msg(lang, "exmove.resume") }).click();
    await page.locator("#f-speed-error").waitFor();
    assert.equal((await server.api("GET", `/exercises/${ex}`)).status, "paused", "a refused speed resumes nothing");
    await page.getByLabel(msg(lang, "exercise.speed")).fill("10");
    await page.getByRole("button", { name: msg(lang, "exmove.resume") }).click();
    await page.getByRole("status").filter({ hasText: msg(lang, "exercise.moved", { status: msg(lang, "exmove.resume") }) }).waitFor();
    await page.getByText(msg(lang, "exercise.speed_x", { speed: 10 })).waitFor();
    const resumed = await server.api("GET", `/exercises/${ex}`);
    assert.deepEqual([resumed.status, resumed.speed], ["running", 10]);

    const other = await signedInPage(browser, server, player, lang);
    await other.goto("/incidents");
    const banner = other.getByRole("note", { name: msg(lang, "exercise.banner_label") });
    await banner.getByText("EXERCISE EXERCISE: port outage drill").waitFor();
    const row = other.getByRole("row").filter({ hasText: "Cranes stopped at the container port" });
    await row.getByText("EXERCISE EXERCISE: port outage drill").waitFor();  // the mark reads the run's banner
    await clean(other, "the player's incident list");
    await row.getByRole("link", { name: "Cranes stopped at the container port" }).click();
    await other.getByRole("heading", { level: 1, name: "Cranes stopped at the container port" }).waitFor();
    await other.locator("main .exercise-banner").getByText("EXERCISE EXERCISE: port outage drill", { exact: true }).waitFor();
    await clean(other, "the player's incident page");
    assert.equal(await other.getByRole("button", { name: msg(lang, "exmove.finish") }).count(), 0);

    const outside = await signedInPage(browser, server, outsider, lang);  // takes no part: no banner, no exercise object
    await outside.goto("/incidents");
    await outside.locator(".exercise-banners[data-loaded=true]").waitFor({ state: "attached" });
    await outside.getByText(msg(lang, "list.empty")).waitFor();
    assert.equal(await outside.getByText("EXERCISE EXERCISE: port outage drill").count(), 0);

    await page.getByRole("button", { name: msg(lang, "exmove.finish") }).click();
    await page.getByRole("status").filter({ hasText: msg(lang, "exercise.moved", { status: msg(lang, "exmove.finish") }) }).waitFor();
    await page.getByRole("link", { name: msg(lang, "exercise.report_of", { title: "Port outage drill" }) }).click();
    await page.getByRole("heading", { level: 1, name: msg(lang, "report.title", { title: "Port outage drill" }) }).waitFor();
    const report = await server.api("GET", `/exercises/${ex}/report`);
    assert.equal(report.score, 100);
    assert.equal(await page.locator("dd.score").textContent(), "100");
    await page.getByLabel(msg(lang, "report.observation")).fill("The port's number was out of date.");
    await page.getByRole("button", { name: msg(lang, "report.add_observation") }).click();
    await page.getByRole("status").filter({ hasText: msg(lang, "report.observation_added") }).waitFor();
    const action = page.getByRole("form", { name: msg(lang, "report.add_action") });
    await action.getByLabel(msg(lang, "report.action")).fill("Update the port's contact in the directory");
    await action.getByLabel(msg(lang, "report.owner")).fill("Fumi");
    await action.getByLabel(msg(lang, "report.due")).fill("2027-01-15");
    await action.getByRole("button", { name: msg(lang, "report.add_action") }).click();
    await page.getByRole("status").filter({ hasText: msg(lang, "report.action_added") }).waitFor();
    const actions = page.getByRole("table", { name: msg(lang, "report.actions") });
    assert.ok((await actions.textContent()).includes("2027-01-15"));
    await actions.getByRole("button", { name: `${msg(lang, "report.edit")} Update the port's contact in the directory` }).click();
    const editing = page.getByRole("form", { name: msg(lang, "report.edit_note") });
    await editing.getByLabel(msg(lang, "report.owner")).fill("");
    await editing.getByRole("button", { name: msg(lang, "report.save") }).click();
    await editing.locator("#f-edit_due-error, #f-edit_owner-error").first().waitFor();  // an action keeps an owner
    await editing.getByLabel(msg(lang, "report.owner")).fill("Directory team");
    await editing.getByRole("button", { name: msg(lang, "report.save") }).click();
    await page.getByRole("status").filter({ hasText: msg(lang, "report.note_saved") }).waitFor();
    assert.ok((await actions.textContent()).includes("Directory team"));
    const notes = (await server.api("GET", `/exercises/${ex}/report`)).notes;
    assert.deepEqual(notes.map((n) => [n.kind, n.owner]), [["observation", null], ["action", "Directory team"]]);
    await clean(page, "the report");
    await page.emulateMedia({ media: "print" });
    assert.equal(await page.getByRole("button", { name: msg(lang, "report.print") }).isVisible(), false);
    await page.emulateMedia({ media: "screen" });

    await other.goto("/");
    await other.locator(".exercise-banners[data-loaded=true]").waitFor({ state: "attached" });
    assert.equal(await other.getByRole("note", { name: msg(lang, "exercise.banner_label") }).count(), 0, "no banner once finished");
});

test("in Japanese: a built-in scenario copied in the editor, run, its Japanese banner on the player's screens, the report", async () => {
    const lang = "ja";
    const page = await signedInPage(browser, server, facilitator, lang);
    const builtin = await server.api("GET", "/scenarios/ransomware-university-hospital");
    await page.goto("/scenarios");
    await page.getByRole("link", { name: builtin.title_ja }).click();
    await page.getByRole("heading", { level: 1, name: builtin.title_ja }).waitFor();
    assert.ok((await page.getByRole("table", { name: msg(lang, "scenario.injects") }).textContent()).includes(builtin.injects[0].text_ja));
    await clean(page, "the built-in scenario page");
    await page.getByRole("link", { name: msg(lang, "scenario.copy") }).click();
    await page.getByRole("heading", { level: 1, name: msg(lang, "scenarios.copy") }).waitFor();
    assert.equal(await page.getByLabel(msg(lang, "scenario.title_ja"), { exact: true }).first().inputValue(), builtin.title_ja);
    assert.equal(await page.getByRole("group", { name: msg(lang, "scenario.inject_n", { n: builtin.injects.length }), exact: true }).count(), 1);
    await page.getByLabel(msg(lang, "scenario.title_ja"), { exact: true }).first().fill("病院ランサムウェア（当組織版）");
    await clean(page, "the editor with a copy");
    await page.getByRole("button", { name: msg(lang, "scenario.create") }).click();
    await page.getByRole("heading", { level: 1, name: "病院ランサムウェア（当組織版）" }).waitFor();
    const copy = page.url().split("/").pop();
    assert.notEqual(copy, builtin.id);
    const copied = await server.api("GET", `/scenarios/${copy}`);
    const strip = (s) => {
        const { id, builtin: b, created, modified, organization, title_ja, ...rest } = s;
        return rest;
    };
    assert.deepEqual(strip(copied), strip(builtin), "the editor carries every field of the copied scenario");

    const victim = builtin.roles.find((r) => r.id === "victim-csirt").name_ja;
    const ex = await runFromScenarioPage(page, lang, victim);
    await clean(page, "the control view in Japanese");

    const other = await signedInPage(browser, server, player, lang);
    await other.goto("/incidents");
    await other.getByRole("note", { name: msg(lang, "exercise.banner_label") }).getByText(builtin.banner_ja).waitFor();
    const row = other.getByRole("row").filter({ hasText: builtin.injects[0].title });
    await row.getByText(builtin.banner_ja).waitFor();
    await clean(other, "the player's incident list in Japanese");
    await other.goto("/");
    const shared = other.getByRole("listitem").filter({ hasText: builtin.injects[0].title });
    await shared.getByText(builtin.banner_ja).first().waitFor();
    await clean(other, "the player's home page in Japanese");

    await page.goto(`/exercises/${ex}/report`);
    await page.getByRole("heading", { level: 1, name: msg(lang, "report.title", { title: "病院ランサムウェア（当組織版）" }) }).waitFor();
    await page.getByRole("table", { name: msg(lang, "report.by_role") }).getByText(victim).waitFor();
    await clean(page, "the report in Japanese");
});

test("an admin names the user who plays a role in a new run", async () => {
    const lang = "en";
    const admin = await makeUser(server, { email: "ada@example.org", name: "Ada Admin", organization: server.nodeOrg,
        role: "admin", language: "en", time_zone: "Asia/Tokyo" });
    const page = await signedInPage(browser, server, admin, lang);
    const builtin = await server.api("GET", "/scenarios/ransomware-university-hospital");
    const victim = builtin.roles.find((r) => r.id === "victim-csirt").name;
    await page.goto(`/exercises/new?scenario=${builtin.id}`);
    await page.getByRole("heading", { level: 1, name: msg(lang, "exercises.new") }).waitFor();
    const who = page.getByLabel(msg(lang, "exercise.player_user", { role: victim }), { exact: true });
    assert.equal(await who.isDisabled(), true, "no user before an organization is chosen");
    await page.getByLabel(victim, { exact: true }).selectOption(playerOrg.id);
    await who.locator("option", { hasText: "Pat Player" }).waitFor({ state: "attached" });
    assert.equal(await who.locator("option", { hasText: "Oz Outsider" }).count(), 0, "only the organization's users");
    await who.selectOption(player.id);
    await clean(page, "the new run with a user per role");
    await page.getByRole("button", { name: msg(lang, "exercise.create") }).click();
    await page.waitForURL(/\/exercises\/[0-9a-f-]{36}$/);
    const run = await server.api("GET", `/exercises/${page.url().split("/").pop()}`);
    assert.deepEqual(run.players.filter((p) => !p.made).map((p) => [p.role, p.organization, p.user]),
        [["victim-csirt", playerOrg.id, player.id]]);
});
