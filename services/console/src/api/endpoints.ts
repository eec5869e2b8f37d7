// Every API call the console makes, typed from the OpenAPI document.
import type { AxiosProgressEvent } from 'axios'
import { http, idempotencyKey } from './http'
import type {
  Attachment, Audit, Closure, ClosureSummary, Escalation, Extension, Issue, IssueStates, IssueStats, IssueStatus,
  IssueSummary, Me, Measure, MeasureStatus, Org, OrgNode, Page, Progress, Report, ReportRequest, Round, Scan, SignedLink,
  SsoProviders,
} from './types'

const MAX = 200

/** Every page of a keyset-paginated list (the lists the console needs whole are small). */
export async function all<T>(url: string, params: Record<string, unknown> = {}, cap = 5000): Promise<T[]> {
  const items: T[] = []
  let cursor: string | null = null
  do {
    const { data }: { data: Page<T> } = await http.get<Page<T>>(url, { params: { ...params, limit: MAX, cursor } })
    items.push(...data.items)
    cursor = data.next_cursor
  } while (cursor && items.length < cap)
  return items
}

const post = <T>(url: string, body?: unknown, key = idempotencyKey()) =>
  http.post<T>(url, body ?? {}, { headers: { 'Idempotency-Key': key } }).then((r) => r.data)

export interface IssueQuery {
  round_id?: number
  status?: IssueStatus[]
  category?: string
  org_id?: number
  deadline_before?: string
  q?: string
  sort?: string
  limit?: number
  cursor?: string | null
}

export const api = {
  me: () => http.get<Me>('/me').then((r) => r.data),
  /** the single sign-on buttons of the sign-in page (public) */
  ssoProviders: () => http.get<SsoProviders>('/auth/sso').then((r) => r.data),
  rounds: () => all<Round>('/rounds'),
  orgs: () => all<Org>('/orgs'),
  orgTree: (rootId?: number) => http.get<OrgNode[]>('/orgs/tree', { params: { root_id: rootId } }).then((r) => r.data),
  issues: (query: IssueQuery) =>
    http.get<Page<IssueSummary>>('/issues', { params: query }).then((r) => r.data),
  allIssues: (roundId: number, extra: IssueQuery = {}) =>
    all<IssueSummary>('/issues', { round_id: roundId, ...extra }),
  issue: (id: number) => http.get<Issue>(`/issues/${id}`).then((r) => r.data),
  measure: (id: number) => http.get<Measure>(`/measures/${id}`).then((r) => r.data),
  patchMeasure: (id: number, status: MeasureStatus) =>
    http.patch<Measure>(`/measures/${id}`, { status }).then((r) => r.data),
  progress: (issueId: number) => all<Progress>(`/issues/${issueId}/progress`),
  /** a report and its evidence (already uploaded) arrive together, in one transaction */
  reportOnMeasure: (measureId: number, text: string, attachmentIds: number[], key: string) =>
    post<Progress>(`/measures/${measureId}/progress`, { text, attachment_ids: attachmentIds }, key),
  reportOnIssue: (issueId: number, text: string, attachmentIds: number[], key: string) =>
    post<Progress>(`/issues/${issueId}/progress`, { text, attachment_ids: attachmentIds }, key),
  extensions: (issueId: number) => http.get<Extension[]>(`/issues/${issueId}/extension-requests`).then((r) => r.data),
  requestExtension: (issueId: number, body: { reason: string; proposed_deadline: string }, key?: string) =>
    post<Extension>(`/issues/${issueId}/extension-requests`, body, key),
  approveExtension: (id: number, comment?: string) =>
    post<Extension>(`/extension-requests/${id}/approve`, { comment: comment || null }),
  rejectExtension: (id: number, comment: string) => post<Extension>(`/extension-requests/${id}/reject`, { comment }),
  /** requests on the problems I may see (pending: the office's in-tray) */
  extensionRequests: (params: { state?: 'pending' | 'approved' | 'rejected'; round_id?: number }) =>
    all<Extension>('/extension-requests', params, 400),
  stats: (roundId: number, asOf: string) =>
    http.get<IssueStats>('/stats/issues', { params: { round_id: roundId, as_of: asOf } }).then((r) => r.data),
  /** each problem's status and deadline in force at the end of a day: what the stats count for that day */
  issueStates: (roundId: number, asOf: string) =>
    http.get<IssueStates>('/stats/issue-states', { params: { round_id: roundId, as_of: asOf } }).then((r) => r.data),
  audit: (entityType: string, entityId: number) =>
    all<Audit>('/audit', { entity_type: entityType, entity_id: String(entityId) }, 400),

  escalations: (params: { org_id?: number; level?: string; state?: string; issue_id?: number }) =>
    all<Escalation>('/escalations', params),
  escalation: (id: number) => http.get<Escalation>(`/escalations/${id}`).then((r) => r.data),
  issueLetter: (id: number, body: { doc_no?: string; response_due?: string }) =>
    post<Escalation>(`/escalations/${id}/issue`, body),
  withdrawLetter: (id: number, reason: string) => post<Escalation>(`/escalations/${id}/withdraw`, { reason }),
  respondLetter: (id: number, response: string, key?: string) =>
    post<Escalation>(`/escalations/${id}/respond`, { response }, key),
  requestScan: (asOf: string, dryRun = false) => post<Scan>('/escalations/scan', { as_of: asOf, dry_run: dryRun }),
  scan: (id: number) => http.get<Scan>(`/escalations/scans/${id}`).then((r) => r.data),

  closures: (params: { state?: string; org_id?: number } = {}) => all<ClosureSummary>('/closures', params),
  closure: (id: number) => http.get<Closure>(`/closures/${id}`).then((r) => r.data),
  applyClosure: (issueId: number, statement: string, attachmentIds: number[], key?: string) =>
    post<Closure>('/closures', { issue_id: issueId, statement, attachment_ids: attachmentIds }, key),
  reviewClosure: (id: number, approve: boolean, comment?: string) =>
    post<Closure>(`/closures/${id}/review`, { approve, comment }),
  acceptClosure: (id: number, comment?: string) => post<Closure>(`/closures/${id}/accept`, { comment }),
  rejectClosure: (id: number, reason: string) => post<Closure>(`/closures/${id}/reject`, { reason }),
  startPublicity: (id: number, body: { start: string; days?: number; medium: string; contact: string }) =>
    post<Closure>(`/closures/${id}/publicity`, body),
  recordObjection: (id: number, body: { name: string; contact: string; content: string }) =>
    post<Closure>(`/closures/${id}/objections`, body),
  decideObjection: (id: number, objectionId: number, upheld: boolean, reason: string) =>
    post<Closure>(`/closures/${id}/objections/${objectionId}/decision`, { upheld, reason }),
  writeOff: (id: number, comment?: string) => post<Closure>(`/closures/${id}/writeoff`, { comment }),
  workdaysEnd: (start: string, count: number) =>
    http
      .get<{ start: string; end: string; count: number; provisional: boolean }>('/calendar/workdays', {
        params: { start, count },
      })
      .then((r) => r.data),

  closurePolicy: (roundId: number) =>
    http
      .get<{ publicity_days: number; publicity_day_kind: string }>(`/rounds/${roundId}/closure-policy`)
      .then((r) => r.data),

  requestReport: (body: ReportRequest) => post<Report>('/reports', body),
  reports: (params: { mine?: boolean; status?: string; kind?: string; limit?: number; cursor?: string | null }) =>
    http.get<Page<Report>>('/reports', { params }).then((r) => r.data),
  report: (id: number) => http.get<Report>(`/reports/${id}`).then((r) => r.data),
  reportFile: (id: number) => http.get<Blob>(`/reports/${id}/file`, { responseType: 'blob' }).then((r) => r.data),

  upload: (file: Blob, name: string, key: string, onProgress?: (e: AxiosProgressEvent) => void) => {
    const form = new FormData()
    form.append('file', file, name)
    return http
      .post<Attachment>('/attachments', form, { headers: { 'Idempotency-Key': key }, onUploadProgress: onProgress })
      .then((r) => r.data)
  },
  /** a short-lived URL of the file that opens without the bearer token (<img src>, a download) */
  attachmentLink: (id: number) => http.post<SignedLink>(`/attachments/${id}/link`).then((r) => r.data),
  attachment: (id: number) => http.get<Attachment>(`/attachments/${id}`).then((r) => r.data),
}

/** Save a blob under a name (the report and letter downloads). */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
