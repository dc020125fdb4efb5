// The world the browser tests work in: three organizations of three states, a user and
// an API key of each, contacts, an AMBER incident the first shares with the second only,
// and a sent request between the two.
import { msg } from "./harness.mjs";

export async function seed(server) {
    const a = { org: { id: server.nodeOrg, name: "Test node operator", state: "JP" } };
    const b = { org: await server.org("CSIRT of Singapore (test)", "SG") };
    const c = { org: await server.org("CERT of Korea (test)", "KR") };
    for (const [x, name] of [[a, "Aiko Tanaka"], [b, "Bao Lim"], [c, "Chul Park"]]) {
        x.key = await server.key(x.org.id, "analyst");
        x.user = { id: x.org.id, email: `${name.split(" ")[0].toLowerCase()}@example.org`, name, organization: x.org.id,
            role: "analyst", language: "en", time_zone: "Asia/Tokyo", totp_enabled: false, key: x.key };
    }
    const contact = await server.api("POST", "/contacts", { organization: b.org.id, full_name: "Siew Ling Tan", role: "technical",
        email: "ir@csirt.sg.example", phone: "+65 6555 0100", hours: "Mon-Fri 09:00-18:00", timezone: "Asia/Singapore",
        languages: ["en"] });
    await server.api("POST", "/contacts", { organization: a.org.id, full_name: "Kenji Sato", role: "csirt",
        email: "duty@csirt.jp.example", hours: "24/7", timezone: "Asia/Tokyo", languages: ["ja", "en"] }, a.key);
    const incident = await server.api("POST", "/incidents", { title: "Ransomware at a port operator", rsit_type: "malware-distribution",
        sector: "transport", states: ["JP"], impact: "yellow", tlp: "amber", recipients: [b.org.id] }, a.key);
    await server.api("POST", "/indicators", { type: "domain", value: "evil.example", tlp: "amber", recipients: [b.org.id],
        incidents: [incident.id] }, a.key);
    const request = await server.api("POST", "/requests", { kind: "information", to_organization: b.org.id, urgency: "high",
        tlp: "amber", subject: "Who runs 203.0.113.7?", description: "Seen in the port ransomware.", questions: "Who is the hosting provider?",
        incidents: [incident.id] }, a.key);
    await server.api("POST", `/requests/${request.id}/send`, {}, a.key);
    return { a, b, c, contact, incident, request };
}

/* Signs the page in as user. TEMPORARY until the session endpoints are merged: the
   page's API calls carry the user's organization key and GET /session answers the user. */
export async function signIn(page, server, user) {
    await page.context().setExtraHTTPHeaders({ Authorization: `Bearer ${user.key}` });
    await page.context().route("**/api/v1/session", (route) => route.fulfill({
        status: 200, contentType: "application/json",
        body: JSON.stringify({ user, csrf: "test", expires_at: null }),
    }));
}

export { msg };
