// The world the browser tests work in: three organizations of three states, a user and
// an API key of each, contacts, an AMBER incident (about norm h) the first shares with the second only,
// a sent request between the two, a statement the first circulates to the second, and a
// draft national survey of the second. Users sign in with sessions, as in a browser.
import { msg, newPage } from "./harness.mjs";

export async function seed(server) {
    const a = { org: { id: server.nodeOrg, name: "Test node operator", state: "JP" } };
    const b = { org: await server.org("CSIRT of Singapore (test)", "SG") };
    const c = { org: await server.org("CERT of Korea (test)", "KR") };
    for (const [x, name, language] of [[a, "Aiko Tanaka", "ja"], [b, "Bao Lim", "en"], [c, "Chul Park", "en"]]) {
        x.key = await server.key(x.org.id, "analyst");
        x.user = await makeUser(server, { email: `${name.split(" ")[0].toLowerCase()}@example.org`, name,
            organization: x.org.id, role: "analyst", language, time_zone: "Asia/Tokyo" });
    }
    const admin = await makeUser(server, { email: "admin@example.org", name: "Node Admin", organization: a.org.id,
        role: "admin", language: "en", time_zone: "UTC" });
    const contact = await server.api("POST", "/contacts", { organization: b.org.id, full_name: "Siew Ling Tan", role: "technical",
        email: "ir@csirt.sg.example", phone: "+65 6555 0100", hours: "Mon-Fri 09:00-18:00", timezone: "Asia/Singapore",
        languages: ["en"] });
    await server.api("POST", "/contacts", { organization: a.org.id, full_name: "Kenji Sato", role: "csirt",
        email: "duty@csirt.jp.example", hours: "24/7", timezone: "Asia/Tokyo", languages: ["ja", "en"] }, a.key);
    const incident = await server.api("POST", "/incidents", { title: "Ransomware at a port operator", rsit_type: "malware-distribution",
        sector: "transport", states: ["JP"], impact: "yellow", tlp: "amber", recipients: [b.org.id], norms: ["h"] }, a.key);
    await server.api("POST", "/indicators", { type: "domain", value: "evil.example", tlp: "amber", recipients: [b.org.id],
        incidents: [incident.id] }, a.key);
    const request = await server.api("POST", "/requests", { kind: "information", to_organization: b.org.id, urgency: "high",
        tlp: "amber", subject: "Who runs 203.0.113.7?", description: "Seen in the port ransomware.", questions: "Who is the hosting provider?",
        incidents: [incident.id] }, a.key);
    await server.api("POST", `/requests/${request.id}/send`, {}, a.key);
    const check = await server.api("POST", "/checks", { state: "SG", deadline_hours: 24 }, a.key);
    const statement = await server.api("POST", "/statements", { title: "Joint statement on the port ransomware",
        text: { en: "We attribute the port ransomware to a fictitious group.", ja: "港湾のランサムウェアを架空のグループによるものと判断します。" },
        confidence: "highly likely", norms: ["f", "h"], cosigners: [b.org.id],
        issuer_texts: { [b.org.id]: { en: "Singapore adds its own words to the joint text." } },
        annex: [{ type: "domain", value: "lantern.example", tlp: "clear" }] }, a.key);
    await server.api("POST", `/statements/${statement.id}/circulate`, {}, a.key);
    const document = await server.api("POST", "/documents", { state: "JP", type: "law", title: "重要インフラのサイバーセキュリティ確保に関する法律（試験）",
        title_en: "Act on the cybersecurity of critical infrastructure (test)", languages: ["ja"], norms: ["g", "h"], topics: ["legal"],
        text: "第一条　この法律は、重要インフラ事業者に対策を求める。", file: { name: "act.txt", media_type: "text/plain", content_base64: "5pys5paH" } }, a.key);
    await server.api("PATCH", `/documents/${document.id}`, { status: "amended" }, a.key);
    const regulation = await server.api("POST", "/documents", { state: "JP", type: "regulation", title: "施行規則（試験）", implements: [document.id],
        source_url: "https://www.example.go.jp/rules", translation: "official", languages: ["ja", "en"] }, a.key);
    const survey = await server.api("POST", "/surveys", { period: "2026", international_law: "International law applies in cyberspace.",
        norm_h: "A 24/7 point of contact answers requests for assistance." }, b.key);
    return { a, b, c, admin, contact, incident, request, check, statement, document, regulation, survey };
}

export const PASSWORD = "correct horse battery staple";

/* A user with the password PASSWORD, set through the one-time link as a person would. */
export async function makeUser(server, fields) {
    const u = await server.api("POST", "/users", fields);
    const token = new URL(u.set_password_link).searchParams.get("token");
    const r = await fetch(`${server.base}/api/v1/password`, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ token, password: PASSWORD }),
    });
    if (!r.ok) throw new Error(`setting the password: ${r.status} ${await r.text()}`);
    return { ...u, password: PASSWORD };
}

/* Gives the page's browser context the session cookie of user (the sign-in screen
   itself is tested in test_sign_in.mjs). */
export async function signIn(page, server, user, lang) {
    const request = page.context().request;
    const r = await request.post(`${server.base}/api/v1/session`, { data: { email: user.email, password: user.password } });
    if (!r.ok()) throw new Error(`signing in ${user.email}: ${r.status()} ${await r.text()}`);
    if (lang) {
        const p = await request.patch(`${server.base}/api/v1/session`, { data: { language: lang }, headers: { "X-CSRF-Token": (await r.json()).csrf } });
        if (!p.ok()) throw new Error(`language ${lang}: ${p.status()} ${await p.text()}`);
    }
}

/* A new page in its own browser context, signed in as user, in lang. */
export async function signedInPage(browser, server, user, lang = "en") {
    const page = await newPage(browser, server, { lang });
    await signIn(page, server, user, lang);
    return page;
}

export { msg };
