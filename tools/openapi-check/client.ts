// Type-checked against the types openapi-typescript generates from Rectify's OpenAPI document
// (services/issues-api/tests/test_generated_clients.py): what a web or phone client relies on.
import type { components, operations, paths } from "./generated/rectify";

type Schemas = components["schemas"];
type Json<R> = R extends { content: { "application/json": infer B } } ? B : never;

// 63-bit ids are strings: exact in JavaScript, and a number does not type-check
const reportId: Schemas["ProgressRead"]["id"] = "388049409119663637";
// @ts-expect-error a progress report's id is not a number
const wrong: Schemas["ProgressRead"]["id"] = 388049409119663637;
// serial ids are numbers
const issueId: Schemas["IssueRead"]["id"] = 17;

// the list and its optional total; the error envelope on a 422
type IssuePage = Json<paths["/api/v1/issues"]["get"]["responses"]["200"]>;
const page: IssuePage = { items: [], next_cursor: null, total: null };
type Invalid = Json<operations["issues_list"]["responses"]["422"]>;
const invalid: Invalid = {
  error: { code: "validation_error", message: "输入数据不合法", message_en: "Invalid input", details: [], request_id: null },
};

// enums keep their values
const status: Schemas["IssueStatus"] = "closed";
// a link to a progress report by the id the server gave
const link: Schemas["LinkCreate"] = { target_kind: "progress_report", target_id: reportId };
// the change feed's ids are strings too
const change: Pick<Schemas["Change"], "id" | "aggregate_id"> = { id: "1", aggregate_id: reportId };

export const checked = [reportId, wrong, issueId, page, invalid, status, link, change];
