// @ts-check
/**
 * A phone or web client's day, in Node 20 with nothing but `fetch`, typed by the types
 * openapi-typescript generates from docs/openapi.json (`npm run gen`; checked by `npm run check`):
 * a county unit (`abgq`, 阿巴嘎旗) signs in, reads its to-do, reports progress on one of its
 * measures with a photo (uploaded first, its id in the report's own POST: report and photo arrive
 * together), reads the report back, and opens the photo's signed download link without a header,
 * as a WeChat/DingTalk webview's <img src> would. Every answer's numbers must be exact in
 * JavaScript, and every id must come back as it was given.
 *
 *   RECTIFY_BASE_URL=http://127.0.0.1:8000 node --test
 *
 * RECTIFY_DEMO_PASSWORD (default `demo`) is the demo accounts' password. The unit's to-do must hold
 * an overdue measure: the demo's 阿巴嘎旗 has finished its work, so tests/test_node_client.py starts
 * an issues-api with the demo data, has the office assign the unit a measure due two weeks ago, and
 * runs this.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

/** @typedef {import("./generated/rectify.js").paths} Paths */
/** @typedef {import("./generated/rectify.js").components["schemas"]} Schemas */
/**
 * @template R
 * @typedef {R extends { content: { "application/json": infer B } } ? B : never} Json
 */
/** @typedef {Json<Paths["/api/v1/auth/token"]["post"]["responses"]["200"]>} Token */
/** @typedef {Json<Paths["/api/v1/me/todo"]["get"]["responses"]["200"]>} Todo */
/** @typedef {Json<Paths["/api/v1/attachments"]["post"]["responses"]["201"]>} Uploaded */
/** @typedef {Json<Paths["/api/v1/measures/{measure_id}/progress"]["post"]["responses"]["201"]>} Progress */
/** @typedef {Json<Paths["/api/v1/progress/{report_id}"]["get"]["responses"]["200"]>} ProgressOne */
/** @typedef {Json<Paths["/api/v1/attachments/{attachment_id}/link"]["post"]["responses"]["200"]>} SignedLink */
/** @typedef {Json<Paths["/api/v1/attachments/{attachment_id}"]["get"]["responses"]["200"]>} AttachmentRead */
/** @typedef {Json<Paths["/api/v1/issues/{issue_id}"]["get"]["responses"]["200"]>} IssueRead */
/** @typedef {Json<Paths["/api/v1/measures/{measure_id}"]["get"]["responses"]["200"]>} MeasureRead */

const BASE = (process.env.RECTIFY_BASE_URL ?? "").replace(/\/$/, "");
const USER = process.env.RECTIFY_USER ?? "abgq";
const PASSWORD = process.env.RECTIFY_DEMO_PASSWORD ?? "demo";
// a real 1×1 PNG: the server recognises evidence by its content
const PHOTO = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Every number literal in a JSON text (strings skipped): an integer must be exact as a JavaScript
 * number (|n| ≤ 2⁵³−1), which is what `JSON.parse` would silently round. Returns how many it saw.
 * @param {string} text
 */
function assertExactNumbers(text) {
  let seen = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; text[i] !== '"'; i++) if (text[i] === "\\") i++;
    } else if (c === "-" || (c >= "0" && c <= "9")) {
      const literal = /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?/.exec(text.slice(i))?.[0] ?? c;
      if (/^-?[0-9]+$/.test(literal)) {
        const big = BigInt(literal);
        assert.ok(big <= MAX_SAFE && big >= -MAX_SAFE, `${literal} is not exact in JavaScript`);
      }
      seen++;
      i += literal.length - 1;
    }
  }
  return seen;
}

/**
 * One request; the body parsed as JSON once its numbers are checked exact.
 * @param {string} path
 * @param {{ method?: string, token?: string, json?: unknown, form?: FormData | URLSearchParams }} [options]
 * @returns {Promise<{ status: number, headers: Headers, body: unknown }>}
 */
async function call(path, { method = "GET", token, json, form } = {}) {
  /** @type {Record<string, string>} */
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  /** @type {string | FormData | URLSearchParams | undefined} */
  let body = form;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  }
  const res = await fetch(`${BASE}${path}`, { method, headers, body });
  const text = await res.text();
  if (text && res.headers.get("content-type")?.startsWith("application/json")) {
    assertExactNumbers(text);
    return { status: res.status, headers: res.headers, body: JSON.parse(text) };
  }
  return { status: res.status, headers: res.headers, body: text };
}

/**
 * @param {{ status: number, body: unknown }} got
 * @param {number} status
 */
function expectStatus(got, status) {
  assert.equal(got.status, status, JSON.stringify(got.body));
}

test("a county unit reports progress with a photo and opens its download link", async (t) => {
  assert.ok(BASE, "RECTIFY_BASE_URL is required (the issues-api to talk to)");

  // sign in: OAuth2's password form (the document says so)
  const signin = await call("/api/v1/auth/token", {
    method: "POST",
    form: new URLSearchParams({ grant_type: "password", username: USER, password: PASSWORD }),
  });
  expectStatus(signin, 200);
  const token = /** @type {Token} */ (signin.body).access_token;

  // the to-do: its measures overdue or due soon, with working days overdue
  const todoAnswer = await call("/api/v1/me/todo", { token });
  expectStatus(todoAnswer, 200);
  const todo = /** @type {Todo} */ (todoAnswer.body);
  assert.equal(todo.org.name, "阿巴嘎旗");
  const measure = todo.measures.items.find((m) => m.overdue);
  assert.ok(measure, "the unit has a measure overdue in its to-do (the office assigns one before the run)");
  assert.equal(todo.measures.count, todo.measures.items.length);
  assert.ok(Number.isInteger(measure.days_overdue) && Number(measure.days_overdue) > 0, `${measure.days_overdue}`);
  await t.test("the measure and its problem read back by the ids the to-do gave", async () => {
    const one = await call(`/api/v1/measures/${measure.id}`, { token });
    expectStatus(one, 200);
    const read = /** @type {MeasureRead} */ (one.body);
    assert.equal(read.id, measure.id);
    // the measure's own read counts it as the to-do did (the same as-of day, the same calendar)
    assert.deepEqual([read.overdue, read.days_overdue], [measure.overdue, measure.days_overdue]);
    const problem = await call(`/api/v1/issues/${measure.issue_id}`, { token });
    expectStatus(problem, 200);
    const issue = /** @type {IssueRead} */ (problem.body);
    assert.equal(issue.id, measure.issue_id);
    const embedded = issue.measures.find((m) => m.id === measure.id);
    assert.ok(embedded);
    assert.deepEqual([embedded.overdue, embedded.days_overdue], [measure.overdue, measure.days_overdue]);
    assert.equal(issue.overdue, issue.days_overdue !== null); // working days, as of today
    if (issue.days_overdue !== null) assert.ok(Number.isInteger(issue.days_overdue) && issue.days_overdue >= 0);
  });

  // the photo goes up first; its id goes in the report's own POST (one write for report and photo)
  const form = new FormData();
  form.append("file", new Blob([PHOTO], { type: "image/png" }), "现场照片.png");
  const uploaded = await call("/api/v1/attachments", { method: "POST", token, form });
  expectStatus(uploaded, 201);
  const photo = /** @type {Uploaded} */ (uploaded.body);
  assert.equal(photo.media_type, "image/png");

  /** @type {Schemas["ProgressCreate"]} */
  const report = { text: "已完成现场清理，附现场照片。", attachment_ids: [photo.id] };
  const posted = await call(`/api/v1/measures/${measure.id}/progress`, { method: "POST", token, json: report });
  expectStatus(posted, 201);
  const progress = /** @type {Progress} */ (posted.body);
  // a 63-bit id comes as a decimal string: exact, and it is the one the Location names
  assert.match(progress.id, /^[1-9][0-9]*$/);
  assert.equal(posted.headers.get("location"), `/api/v1/progress/${progress.id}`);
  assert.equal(progress.measure_id, measure.id);
  assert.equal(progress.issue_id, measure.issue_id);
  assert.deepEqual(
    (progress.attachments ?? []).map((a) => a.id),
    [photo.id],
  );

  await t.test("the report reads back as it was answered, its photo linked to it by the same id", async () => {
    const again = await call(`/api/v1/progress/${progress.id}`, { token });
    expectStatus(again, 200);
    assert.deepEqual(/** @type {ProgressOne} */ (again.body), progress);
    const file = await call(`/api/v1/attachments/${photo.id}`, { token });
    expectStatus(file, 200);
    const links = /** @type {AttachmentRead} */ (file.body).links.map((l) => [l.target_kind, l.target_id]);
    assert.deepEqual(links, [["progress_report", progress.id]]);
  });

  await t.test("the signed link opens the photo with a plain fetch (no header), byte for byte", async () => {
    const made = await call(`/api/v1/attachments/${photo.id}/link`, { method: "POST", token });
    expectStatus(made, 200);
    const link = /** @type {SignedLink} */ (made.body);
    assert.ok(link.path.startsWith(`/api/v1/attachments/${photo.id}/signed?token=`), link.path);
    assert.ok(Date.parse(link.expires_at) > Date.now());
    const opened = await fetch(link.url);
    assert.equal(opened.status, 200);
    assert.equal(opened.headers.get("content-type"), "image/png");
    assert.deepEqual(Buffer.from(await opened.arrayBuffer()), PHOTO);
    // the link is the credential: without its token the file is not served
    const bare = await fetch(`${BASE}/api/v1/attachments/${photo.id}/signed`);
    assert.ok(bare.status >= 400 && bare.status < 500, `${bare.status}`);
  });
});

test("numbers beyond 2^53-1 are caught, inside strings they are not numbers", () => {
  assert.equal(assertExactNumbers('{"id": 9007199254740991, "s": "388049409119663637 \\" 1"}'), 1);
  assert.throws(() => assertExactNumbers('{"id": 388049409119663637}'), /not exact/);
  assert.throws(() => assertExactNumbers('[1, -9007199254740993]'), /not exact/);
});
