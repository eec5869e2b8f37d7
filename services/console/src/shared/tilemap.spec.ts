import { describe, expect, it } from 'vitest'
import type { IssueSummary, Org } from '@/api/types'
import { buildTiles } from './tilemap'

const org = (id: number, name: string, kind: string, parent_id: number | null = 1): Org =>
  ({ id, name, short_name: null, kind, parent_id, path: '', depth: 1, contact_phone: null, contact_email: null, created_at: '', updated_at: '' }) as Org
const issue = (id: number, lead: number, status: string, deadline: string | null, others: number[] = []): IssueSummary =>
  ({ id, seq: id, status, deadline, on_schedule: null, long_term: false, lead_org: { id: lead, name: '' },
     responsible_orgs: others.map((o) => ({ id: o, name: '' })) }) as unknown as IssueSummary

const orgs = [
  org(1, '盟', 'league', null), org(10, '锡林浩特市', 'county'), org(11, '二连浩特市', 'county'), org(12, '多伦县', 'county'),
  org(20, '盟生态环境局', 'department'), org(30, '某企业', 'enterprise'), org(40, '旗下属局', 'department', 10),
]

describe('buildTiles', () => {
  it('places counties first and departments after a gap row, only direct children of the org', () => {
    const tiles = buildTiles(orgs, 1, [], '2025-06-01', 2)
    expect(tiles.map((t) => [t.label, t.row, t.col])).toEqual([
      ['锡林浩特市', 0, 0], ['二连浩特市', 0, 1], ['多伦县', 1, 0], ['盟生态环境局', 3, 0],
    ])
  })
  it('colours a unit by its worst state over the problems it leads or shares', () => {
    const issues = [
      issue(1, 10, 'in_progress', '2025-05-01'), // overdue
      issue(2, 10, 'completed', '2024-01-01'),
      issue(3, 20, 'in_progress', '2025-06-10', [11]), // due soon, shared by 11
      issue(4, 12, 'completed', '2025-01-01'),
    ]
    const byId = Object.fromEntries(buildTiles(orgs, 1, issues, '2025-06-01').map((t) => [t.orgId, t]))
    expect(byId[10]).toMatchObject({ state: 'red', overdue: 1, open: 1, total: 2 })
    expect(byId[11]).toMatchObject({ state: 'yellow', dueSoon: 1 })
    expect(byId[20].state).toBe('yellow')
    expect(byId[12]).toMatchObject({ state: 'green', open: 0 })
  })
  it('shows a unit without problems as having none', () => {
    expect(buildTiles(orgs, 1, [], '2025-06-01').every((t) => t.state === 'none')).toBe(true)
  })
})
