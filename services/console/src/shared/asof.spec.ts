import { describe, expect, it } from 'vitest'
import type { IssueStateAsOf, IssueSummary } from '@/api/types'
import { issuesAsOf } from './asof'
import { deadlineState } from './status'

const issue = (id: number, status: string, deadline: string, on_schedule: boolean | null = null): IssueSummary =>
  ({ id, seq: id, status, deadline, original_deadline: deadline, on_schedule }) as unknown as IssueSummary
const state = (issue_id: number, status: string, deadline: string | null, original: string | null = deadline): IssueStateAsOf =>
  ({ issue_id, seq: issue_id, lead_org_id: 1, status, deadline, original_deadline: original }) as IssueStateAsOf

describe('issuesAsOf', () => {
  it('shows each problem with the status and deadline it had on the day', () => {
    const now = [issue(1, 'completed', '2025-09-30'), issue(2, 'in_progress', '2025-12-31')]
    const then = issuesAsOf(now, [state(1, 'in_progress', '2025-03-31', '2025-03-31'), state(2, 'not_started', '2025-12-31')], '2025-05-01', '2025-10-01')
    expect(then.map((i) => [i.id, i.status, i.deadline])).toEqual([[1, 'in_progress', '2025-03-31'], [2, 'not_started', '2025-12-31']])
    // completed now, but overdue on 1 May against the deadline then in force
    expect(deadlineState(then[0], '2025-05-01')).toBe('overdue')
  })
  it('drops problems that did not exist yet and forgets today’s schedule judgement on another day', () => {
    const now = [issue(1, 'in_progress', '2026-06-30', false), issue(2, 'in_progress', '2026-06-30', false)]
    expect(issuesAsOf(now, [state(1, 'in_progress', '2026-06-30')], '2025-01-01', '2025-06-01').map((i) => [i.id, i.on_schedule])).toEqual([[1, null]])
    expect(issuesAsOf(now, [state(1, 'in_progress', '2026-06-30')], '2025-06-01', '2025-06-01')[0].on_schedule).toBe(false)
  })
})
