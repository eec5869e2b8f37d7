// The office's wording and documents: document templates (list, download, upload, preview, reset),
// message templates (with placeholders, preview), the round's narrative, and the audit chain check.
// Kept beside admin.ts so that the two merge cleanly.
import { http, idempotencyKey } from './http'
import type { components } from './schema'

type S = components['schemas']
export type DocTemplateState = S['DocumentTemplateState']
export type DocTemplateRead = S['DocumentTemplateRead']
export type DocTemplatePreview = S['TemplatePreview']
export type DocTemplateSchema = S['TemplateSchema']
export type MessageTemplate = S['MessageTemplateState']
export type MessagePreview = S['MessagePreview']
export type Narrative = S['NarrativeRead']
export type AuditVerification = S['AuditVerification']

const withKey = () => ({ headers: { 'Idempotency-Key': idempotencyKey() } })

/** the body of a template upload or preview: the file's bytes as they are (the server reads a .docx by its bytes) */
const fileBody = () => ({ headers: { 'Idempotency-Key': idempotencyKey(), 'Content-Type': 'application/octet-stream' } })

export const templates = {
  documents: (roundId: number) =>
    http.get<DocTemplateState[]>('/document-templates', { params: { round_id: roundId } }).then((r) => r.data),
  documentSchema: (kind: string) => http.get<DocTemplateSchema>(`/document-templates/${kind}/schema`).then((r) => r.data),
  /** the template in force as a file: `docx` asks for a Word starter of a text template */
  downloadDocument: (kind: string, roundId: number, docx: boolean) =>
    http.get<Blob>(`/document-templates/${kind}`, {
      params: { round_id: roundId, format: docx ? 'docx' : undefined },
      responseType: 'blob',
    }).then((r) => ({ blob: r.data, name: filenameOf(r.headers['content-disposition']) ?? `${kind}${docx ? '.docx' : '.j2'}` })),
  uploadDocument: (kind: string, roundId: number, file: File) =>
    http.put<DocTemplateRead>(`/document-templates/${kind}`, file, { params: { round_id: roundId }, ...fileBody() }).then((r) => r.data),
  /** no file: the template in force */
  previewDocument: (kind: string, roundId: number, file?: File) =>
    http.post<DocTemplatePreview>(`/document-templates/${kind}/preview`, file ?? '', {
      params: { round_id: roundId }, ...(file ? fileBody() : { headers: { 'Content-Type': 'application/octet-stream' } }),
    }).then((r) => r.data),
  resetDocument: (kind: string, roundId: number) =>
    http.post<DocTemplateRead>(`/document-templates/${kind}/reset`, undefined, { params: { round_id: roundId }, ...withKey() }).then((r) => r.data),

  messages: () => http.get<MessageTemplate[]>('/templates').then((r) => r.data),
  putMessage: (eventType: string, channel: string, body: { subject: string | null; body: string }) =>
    http.put<MessageTemplate>(`/templates/${eventType}/${channel}`, body).then((r) => r.data),
  previewMessage: (eventType: string, channel: string, body: { subject: string | null; body: string }) =>
    http.post<MessagePreview>(`/templates/${eventType}/${channel}/preview`, body).then((r) => r.data),

  narrative: (roundId: number) =>
    http.get<Narrative>(`/rounds/${roundId}/narrative`, { params: { filled: true } }).then((r) => r.data),

  verifyAudit: () => http.get<AuditVerification>('/audit/verify', { timeout: 300_000 }).then((r) => r.data),
}

function filenameOf(disposition: string | undefined): string | null {
  const m = /filename\*=UTF-8''([^;]+)/i.exec(disposition ?? '')
  return m ? decodeURIComponent(m[1]) : null
}

/** hand a downloaded file to the browser */
export function saveBlob(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
