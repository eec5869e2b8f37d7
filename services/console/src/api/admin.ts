// The administration pages' calls (users, API keys, work calendar, audit trail, webhooks) and the
// leader's screen's change stream. Kept beside endpoints.ts so that the two merge cleanly.
import axios from 'axios'
import { all } from './endpoints'
import { http, idempotencyKey } from './http'
import type { components } from './schema'

type S = components['schemas']
export type User = S['UserRead']
export type UserCreate = S['UserCreate']
export type UserPatch = S['UserPatch']
export type ApiKey = S['ApiKeyRead']
export type ApiKeyCreated = S['ApiKeyCreated']
export type ApiKeyCreate = S['ApiKeyCreate']
export type CalendarDay = S['DayRead']
export type NamedDate = S['NamedDate']
export type CalendarYear = S['YearRead']
export type AuditRecord = S['AuditRead']
export type Webhook = S['WebhookRead']
export type WebhookCreated = S['WebhookCreated']
export type Delivery = S['DeliveryRead']
export type EventType = S['EventType']
export type SignedLink = S['SignedLink']
export interface Change { position: number; id: string; type: string; aggregate_type: string; aggregate_id: string; occurred_at: string; data: Record<string, unknown> }

const post = <T>(url: string, body?: unknown) =>
  http.post<T>(url, body ?? {}, { headers: { 'Idempotency-Key': idempotencyKey() } }).then((r) => r.data)

export const admin = {
  users: () => all<User>('/users'),
  createUser: (body: UserCreate) => post<User>('/users', body),
  patchUser: (id: number, body: UserPatch) => http.patch<User>(`/users/${id}`, body).then((r) => r.data),
  resetPassword: (id: number, newPassword: string) => post<void>(`/users/${id}/password`, { new_password: newPassword }),

  apiKeys: () => all<ApiKey>('/api-keys'),
  createApiKey: (body: ApiKeyCreate) => post<ApiKeyCreated>('/api-keys', body),
  revokeApiKey: (id: number) => post<ApiKey>(`/api-keys/${id}/revoke`),

  /** every day of the year with its kind, on the caller's calendar */
  calendarDays: (year: number) =>
    http.get<{ items: CalendarDay[] }>('/calendar/days', { params: { from: `${year}-01-01`, to: `${year}-12-31` } })
      .then((r) => r.data.items),
  putYear: (year: number, body: { holidays: NamedDate[]; makeup_workdays: NamedDate[] }) =>
    http.put<CalendarYear>(`/calendar/years/${year}`, body).then((r) => r.data),

  audit: (params: { entity_type?: string; action?: string; actor?: string; limit?: number; cursor?: string | null }) =>
    http.get<{ items: AuditRecord[]; next_cursor: string | null }>('/audit', { params }).then((r) => r.data),

  eventTypes: () => http.get<EventType[]>('/event-types').then((r) => r.data),
  webhooks: () => all<Webhook>('/webhooks'),
  createWebhook: (body: { url: string; event_types: string[]; org_id?: number | null }) => post<WebhookCreated>('/webhooks', body),
  disableWebhook: (id: number) => post<Webhook>(`/webhooks/${id}/disable`),
  deliveries: (params: { channel?: string; state?: string; limit?: number; cursor?: string | null }) =>
    http.get<{ items: Delivery[]; next_cursor: string | null }>('/deliveries', { params }).then((r) => r.data),
  retryDelivery: (id: string) => post<Delivery>(`/deliveries/${id}/retry`),

  /** a signed URL of my change stream that an EventSource can open (it cannot send a header) */
  streamLink: () => post<SignedLink>('/changes/stream/link'),
}

/** The error envelope's field-level messages, keyed by the form field (`body.org_id` → `org_id`),
 *  in Chinese when the server gave it; `row` problems of a list become `holidays.3`. */
export function fieldErrors(error: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (!axios.isAxiosError(error)) return out
  const details = (error.response?.data as { error?: { details?: Array<{ field?: string | null; row?: number | null; reason?: string; reason_zh?: string | null }> } } | undefined)?.error?.details ?? []
  for (const d of details) {
    if (!d.field) continue
    const parts = d.field.split('.')
    if (['body', 'query', 'path'].includes(parts[0])) parts.shift()
    // pydantic names a union's branch (email: value_error), keep the field's own name
    const key = [parts[0], ...(d.row != null ? [String(d.row)] : parts.slice(1).filter((p) => /^\d+$/.test(p)))].join('.')
    const text = d.reason_zh || d.reason || '无效'
    out[key] = out[key] ? `${out[key]}；${text}` : text
  }
  return out
}
