// The dashboard as of a chosen day: each problem as it stood then (`/stats/issue-states`, the rows
// `/stats/issues` counts for that day) — status and the deadline in force — instead of as it is now.
// Problems that did not exist yet (or were withdrawn by then) drop out.
import type { IssueStateAsOf, IssueSummary } from '@/api/types'

export function issuesAsOf(issues: IssueSummary[], states: IssueStateAsOf[], asOf: string, today: string): IssueSummary[] {
  const byId = new Map(states.map((s) => [s.issue_id, s]))
  return issues.flatMap((i) => {
    const s = byId.get(i.id)
    if (!s) return []
    return [{
      ...i,
      status: s.status,
      deadline: s.deadline,
      original_deadline: s.original_deadline,
      // 达到序时进度 / 滞后 is assessed now: it says nothing about another day
      on_schedule: asOf === today ? i.on_schedule : null,
    }]
  })
}
