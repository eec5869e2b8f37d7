// Dictionaries for every status the console shows: a Chinese label, a tag colour and a symbol,
// so that no state is told by colour alone.
import dayjs from 'dayjs'
import type { ClosureState, IssueStatus, MeasureStatus } from '@/api/types'

export type Tone = 'info' | 'primary' | 'success' | 'warning' | 'danger'
export interface Label { text: string; tone: Tone; symbol: string }

export const ISSUE_STATUS: Record<IssueStatus, Label> = {
  not_started: { text: '未启动', tone: 'info', symbol: '○' },
  in_progress: { text: '正在推进', tone: 'primary', symbol: '◐' },
  completed: { text: '已完成整改', tone: 'success', symbol: '●' },
  completed_long_term: { text: '已完成整改，长期坚持', tone: 'success', symbol: '◉' },
  closed: { text: '已销号', tone: 'success', symbol: '✓' },
}

export const MEASURE_STATUS: Record<MeasureStatus, Label> = {
  not_started: ISSUE_STATUS.not_started,
  in_progress: ISSUE_STATUS.in_progress,
  completed: { text: '已完成', tone: 'success', symbol: '●' },
  waived: { text: '不再实施（整改办批准）', tone: 'info', symbol: '⊘' },
}

export const CLOSURE_STATE: Record<ClosureState, Label> = {
  applied: { text: '已申请', tone: 'primary', symbol: '↑' },
  under_review: { text: '审核中', tone: 'primary', symbol: '…' },
  accepting: { text: '验收中', tone: 'warning', symbol: '…' },
  accepted: { text: '验收通过', tone: 'success', symbol: '●' },
  in_publicity: { text: '公示中', tone: 'warning', symbol: '◷' },
  written_off: { text: '已销号', tone: 'success', symbol: '✓' },
  rejected: { text: '已退回', tone: 'danger', symbol: '✕' },
  reopened: { text: '已重新打开', tone: 'danger', symbol: '↺' },
}

export const LETTER_LEVEL: Record<string, Label> = {
  warning: { text: '预警', tone: 'warning', symbol: '!' },
  notice: { text: '通报', tone: 'warning', symbol: '!!' },
  supervision: { text: '督办', tone: 'danger', symbol: '▲' },
  summons: { text: '约谈', tone: 'danger', symbol: '▲▲' },
}

export const LETTER_STATE: Record<string, Label> = {
  proposed: { text: '拟办', tone: 'info', symbol: '○' },
  issued: { text: '已签发', tone: 'warning', symbol: '✉' },
  responded: { text: '已回复', tone: 'primary', symbol: '↩' },
  resolved: { text: '已解除', tone: 'success', symbol: '✓' },
  withdrawn: { text: '已撤回', tone: 'info', symbol: '✕' },
}

export const EXTENSION_STATE: Record<string, Label> = {
  pending: { text: '待审批', tone: 'warning', symbol: '…' },
  approved: { text: '已批准', tone: 'success', symbol: '✓' },
  rejected: { text: '未批准', tone: 'danger', symbol: '✕' },
}

/** May this person ask for a later deadline on this problem now? (The API says why not otherwise.) */
export function mayAskExtension(
  issue: { status: string; deadline: string | null; lead_org: { id: number }; responsible_orgs: Array<{ id: number }> },
  extensions: Array<{ state: string }>,
  me: { role: string; org: { id: number } } | null,
  today: string,
): boolean {
  if (!me || me.role !== 'unit_operator') return false
  const ours = issue.lead_org.id === me.org.id || issue.responsible_orgs.some((o) => o.id === me.org.id)
  return ours && !DONE.has(issue.status) && issue.deadline !== null && issue.deadline >= today
    && !extensions.some((x) => x.state === 'pending')
}

export const REPORT_STATE: Record<string, Label> = {
  queued: { text: '排队中', tone: 'info', symbol: '…' },
  running: { text: '生成中', tone: 'primary', symbol: '◐' },
  done: { text: '已完成', tone: 'success', symbol: '✓' },
  failed: { text: '失败', tone: 'danger', symbol: '✕' },
}

export type DeadlineState = 'overdue' | 'due_soon' | 'on_track' | 'done' | 'none'
export const DEADLINE_STATE: Record<DeadlineState, Label> = {
  overdue: { text: '已逾期', tone: 'danger', symbol: '▲' },
  due_soon: { text: '临期', tone: 'warning', symbol: '◆' },
  on_track: { text: '正常推进', tone: 'success', symbol: '●' },
  done: { text: '已完成', tone: 'info', symbol: '✓' },
  none: { text: '无时限', tone: 'info', symbol: '–' },
}

/** days before a deadline from which open work counts as due soon */
export const DUE_SOON_DAYS = 30
const DONE: ReadonlySet<string> = new Set(['completed', 'completed_long_term', 'closed'])

export function deadlineState(
  item: { status: string; deadline: string | null; long_term?: boolean; on_schedule?: boolean | null },
  asOf: string,
): DeadlineState {
  if (DONE.has(item.status)) return 'done'
  if (!item.deadline) return 'none'
  const days = dayjs(item.deadline).diff(dayjs(asOf), 'day')
  if (days < 0) return 'overdue'
  if (days <= DUE_SOON_DAYS || item.on_schedule === false) return 'due_soon'
  return 'on_track'
}

export function label(dict: Record<string, Label>, key: string | null | undefined): Label {
  return (key && dict[key]) || { text: key ?? '—', tone: 'info', symbol: '·' }
}

export const ROLE_TEXT: Record<string, string> = {
  office_admin: '整改办',
  unit_operator: '责任单位',
  leader: '领导（只读）',
  integration: '系统对接',
}
