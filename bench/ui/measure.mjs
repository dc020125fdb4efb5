// bench/ui helper: opens each page in a fresh headless Chromium context (cold cache,
// signed in with a real session) and reports the time from navigation start to the
// first rendered row of its table and the bytes the browser fetched, beside the time
// of the page's list call made alone with the API key (median of RUNS each).
//   node bench/ui/measure.mjs BASE EMAIL PASSWORD KEY RUNS "NAME|URL|API_PATH|ROW_SELECTOR"...
import { chromium } from "playwright-core";

const [base, email, password, key, runs, ...pages] = process.argv.slice(2);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", headless: true, args: ["--no-sandbox"] });

async function pageOnce(url, rowSelector) {
    const context = await browser.newContext({ baseURL: base });
    const r = await context.request.post(`${base}/api/v1/session`, { data: { email, password } });
    if (!r.ok()) throw new Error(`sign-in: ${r.status()}`);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    let bytes = 0;
    cdp.on("Network.loadingFinished", (e) => { bytes += e.encodedDataLength; });
    await page.goto(url);
    await page.waitForSelector(rowSelector);
    const ms = await page.evaluate(() => performance.now());
    const rows = await page.locator(rowSelector).count();
    await context.close();
    return { ms, bytes, rows };
}

async function apiOnce(path) {
    const t0 = performance.now();
    const r = await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${key}` } });
    const body = await r.arrayBuffer();
    if (!r.ok) throw new Error(`${path}: ${r.status}`);
    return { ms: performance.now() - t0, bytes: body.byteLength };
}

for (const spec of pages) {
    const [name, url, api, rowSelector] = spec.split("|");
    await pageOnce(url, rowSelector); // warm the server's page cache, not the browser's
    const page = [], call = [];
    for (let i = 0; i < Number(runs); i++) {
        page.push(await pageOnce(url, rowSelector));
        call.push(await apiOnce(api));
    }
    console.log(`${name.padEnd(34)} first rows ${median(page.map((p) => p.ms)).toFixed(0).padStart(5)} ms, `
        + `${(median(page.map((p) => p.bytes)) / 1024).toFixed(0).padStart(4)} KiB fetched (${page[0].rows} rows) | `
        + `API call alone ${median(call.map((c) => c.ms)).toFixed(1).padStart(6)} ms, ${(call[0].bytes / 1024).toFixed(0)} KiB  ${api}`);
}
await browser.close();
