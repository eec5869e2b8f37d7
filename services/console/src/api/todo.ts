// A unit's to-do, in one place so that it can switch to a `/me/todo` endpoint when the API has
// one (set SERVED_TODO): until then it is composed from /issues, /issues/{id}, /escalations and
// /closures. No probing: a 404 on every visit would be noise in the logs and the smoke test.
export const SERVED_TODO = false
import axios from 'axios'
import { http } from './http'
import { all, api } from './endpoints'
import type { ClosureSummary, Escalation, Issue, IssueSummary, Me, Measure } from './types'

export interface TodoTask {
  issue: Issue
  /** the measures this org answers for, not yet completed */
  measures: Measure[]
  closure: ClosureSummary | null
}
export interface Todo { tasks: TodoTask[]; letters: Escalation[] }

const OPEN = ['not_started', 'in_progress', 'completed', 'completed_long_term'] as const

async function fromEndpoint(): Promise<Todo | null> {
  if (!SERVED_TODO) return null
  try {
    return (await http.get<Todo>('/me/todo')).data
  } catch (e) {
    if (axios.isAxiosError(e) && (e.response?.status === 404 || e.response?.status === 405)) return null
    throw e
  }
}

export async function loadTodo(me: Me): Promise<Todo> {
  const served = await fromEndpoint()
  if (served) return served
  const orgId = me.org.id
  const [summaries, letters, closures] = await Promise.all([
    all<IssueSummary>('/issues', { org_id: orgId, status: [...OPEN] }),
    api.escalations({ org_id: orgId, state: 'issued' }),
    api.closures({}),
  ])
  const issues = await Promise.all(summaries.map((s) => api.issue(s.id)))
  const tasks = issues.map((issue) => ({
    issue,
    measures: issue.measures.filter((m) => m.responsible_org?.id === orgId && m.status !== 'completed' && !m.withdrawal),
    closure: latestClosure(closures, issue.id),
  }))
  tasks.sort((a, b) => (a.issue.deadline ?? '9999').localeCompare(b.issue.deadline ?? '9999'))
  return { tasks, letters: letters.filter((l) => !l.response) }
}

export function latestClosure(closures: ClosureSummary[], issueId: number): ClosureSummary | null {
  return closures.filter((c) => c.issue_id === issueId).sort((a, b) => b.id - a.id)[0] ?? null
}
