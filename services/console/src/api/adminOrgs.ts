// The administration of the org tree (create, edit, drag to move or reorder) and of a round's
// policies (escalation ladder, closure, petition time limit). Beside admin.ts so the two merge cleanly.
import axios from 'axios'
import { all } from './endpoints'
import { http, idempotencyKey } from './http'
import type { components } from './schema'

type S = components['schemas']
export type OrgFull = S['OrgRead']
export type OrgCreate = S['OrgCreate']
export type OrgPatch = S['OrgPatch']
export type OrgKind = S['OrgKind']
export type EscalationPolicy = S['Policy']
export type EscalationRule = S['Rule']
export type EscalationLevel = S['Level']
export type ClosurePolicy = S['ClosurePolicyRead']
export type ClosurePolicyWrite = S['ClosurePolicyWrite']
export type PetitionPolicy = S['PolicyRead']
export type PetitionPolicyWrite = S['PolicyWrite']

export const ORG_KIND_TEXT: Record<string, string> = {
  region: '自治区/省', league: '盟市', county: '旗县市区', department: '部门', enterprise: '企业', office: '整改办',
}
export const LEVEL_TEXT: Record<string, string> = { warning: '预警', notice: '通报', supervision: '督办', summons: '约谈' }
export const TARGET_TEXT: Record<string, string> = { responsible_org: '责任单位', parent_org: '上级单位', responsible_leader: '责任领导' }
export const TRIGGER_TEXT: Record<string, string> = {
  before_deadline: '到期前', after_deadline: '逾期后', missed_dispatch: '未按期调度报送', missed_attestation: '长期任务未按期报备', repeated: '多次同级升级',
}

const post = <T>(url: string, body?: unknown) =>
  http.post<T>(url, body ?? {}, { headers: { 'Idempotency-Key': idempotencyKey() } }).then((r) => r.data)

export const orgAdmin = {
  orgs: () => all<OrgFull>('/orgs'),
  create: (body: OrgCreate) => post<OrgFull>('/orgs', body),
  patch: (id: number, body: OrgPatch) => http.patch<OrgFull>(`/orgs/${id}`, body).then((r) => r.data),
  /** under `parent_id` as child number `position` (the siblings are renumbered) */
  move: (id: number, parentId: number, position: number) => post<OrgFull>(`/orgs/${id}/move`, { parent_id: parentId, position }),

  escalationPolicy: (round: number) => http.get<EscalationPolicy>(`/rounds/${round}/escalation-policy`).then((r) => r.data),
  putEscalationPolicy: (round: number, body: EscalationPolicy) =>
    http.put<EscalationPolicy>(`/rounds/${round}/escalation-policy`, body).then((r) => r.data),
  closurePolicy: (round: number) => http.get<ClosurePolicy>(`/rounds/${round}/closure-policy`).then((r) => r.data),
  putClosurePolicy: (round: number, body: ClosurePolicyWrite) =>
    http.put<ClosurePolicy>(`/rounds/${round}/closure-policy`, body).then((r) => r.data),
  petitionPolicy: (round: number) => http.get<PetitionPolicy>(`/rounds/${round}/petition-policy`).then((r) => r.data),
  putPetitionPolicy: (round: number, body: PetitionPolicyWrite) =>
    http.put<PetitionPolicy>(`/rounds/${round}/petition-policy`, body).then((r) => r.data),
}

/** The error envelope's field messages keyed by the whole path in the body (`body.rules.2.trigger.working_days`
 *  → `rules.2.trigger.working_days`), in Chinese when the server gave it. A form shows each beside its field. */
export function pathErrors(error: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (!axios.isAxiosError(error)) return out
  const details = (error.response?.data as { error?: { details?: Array<{ field?: string | null; reason?: string; reason_zh?: string | null }> } } | undefined)?.error?.details ?? []
  for (const d of details) {
    if (!d.field) continue
    const key = d.field.replace(/^(body|query|path)\.?/, '')
    const text = d.reason_zh || d.reason || '无效'
    out[key] = out[key] ? `${out[key]}；${text}` : text
  }
  return out
}
