// The calls of the petition (信访件), round-import and indicator pages, typed from the OpenAPI document.
import { http, idempotencyKey } from './http'
import { all } from './endpoints'
import type { components } from './schema'
import type { Page } from './types'

type S = components['schemas']
export type Batch = S['BatchRead']
export type Case = S['CaseRead']
export type PetitionState = S['PetitionState']
export type PetitionVerdict = S['PetitionVerdict']
export type PetitionStats = S['PetitionStats']
export type PetitionPreview = S['ImportPreview']
export type ImportCell = S['ImportCell']
export type ImportJob = S['ImportJobRead']
export type Indicator = S['IndicatorRead']
export type IndicatorStats = S['IndicatorStats']
export type ValueCreate = S['ValueCreate']

export interface CaseQuery {
  round_id: number
  batch_id?: number
  state?: PetitionState[]
  verdict?: PetitionVerdict[]
  locality_org_id?: number
  pollution_type?: string
  key_attention?: boolean
  overdue?: boolean
  q?: string
  limit?: number
  cursor?: string | null
  with_total?: boolean
}

const post = <T>(url: string, body?: unknown) =>
  http.post<T>(url, body ?? {}, { headers: { 'Idempotency-Key': idempotencyKey() } }).then((r) => r.data)

function form(file: File): FormData {
  const f = new FormData()
  f.append('file', file, file.name)
  return f
}

export const petitionsApi = {
  batches: (roundId: number) => all<Batch>('/petition-batches', { round_id: roundId }),
  createBatch: (body: { round_id: number; batch_no: number; transferred_at: string }) =>
    post<Batch>('/petition-batches', body),
  cases: (query: CaseQuery) =>
    http.get<Page<Case> & { total?: number | null }>('/petition-cases', { params: query }).then((r) => r.data),
  case: (id: number) => http.get<Case>(`/petition-cases/${id}`).then((r) => r.data),
  stats: (roundId: number, asOf: string) =>
    http.get<PetitionStats>('/stats/petitions', { params: { round_id: roundId, as_of: asOf } }).then((r) => r.data),
  pollutionTypes: () =>
    http.get<Array<{ code: string; name: string }>>('/pollution-types').then((r) => r.data),
  /** the team's 一览表 read and checked, nothing written: rows, errors and warnings by sheet/row/column */
  previewImport: (batchId: number, file: File) =>
    http
      .post<PetitionPreview>(`/petition-batches/${batchId}/import`, form(file), {
        params: { preview: true },
        headers: { 'Idempotency-Key': idempotencyKey() },
      })
      .then((r) => r.data),
  importBatch: (batchId: number, file: File) =>
    http
      .post<{ imported: number; case_ids: number[] }>(`/petition-batches/${batchId}/import`, form(file), {
        headers: { 'Idempotency-Key': idempotencyKey() },
      })
      .then((r) => r.data),

  /** 整改台账 (.xlsx) or 整改方案 (.docx): previewed against the round, nothing written */
  createImport: (roundId: number, file: File, params: { issued_on?: string; opened_on?: string } = {}) =>
    http
      .post<ImportJob>(`/rounds/${roundId}/imports`, form(file), {
        params,
        headers: { 'Idempotency-Key': idempotencyKey() },
      })
      .then((r) => r.data),
  applyImport: (roundId: number, jobId: number, orgMapping: Record<string, number>) =>
    post<ImportJob>(`/rounds/${roundId}/imports/${jobId}/apply`, { org_mapping: orgMapping }),

  indicators: (roundId: number) => all<Indicator>('/indicators', { round_id: roundId }),
  indicator: (id: number) => http.get<Indicator>(`/indicators/${id}`).then((r) => r.data),
  indicatorStats: (roundId: number) =>
    http.get<IndicatorStats>('/stats/indicators', { params: { round_id: roundId } }).then((r) => r.data),
  reportValue: (id: number, body: ValueCreate) => post<Indicator>(`/indicators/${id}/values`, body),
}
