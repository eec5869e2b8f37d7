// The dashboard's tile map (示意图): one square per unit of the office's org — 旗县市区 first,
// then the departments — at a grid position derived from the org tree's order, coloured by the
// worst deadline state of the problems it leads or shares. No map data: ECharts ships none.
import type { IssueSummary, Org } from '@/api/types'
import { deadlineState, type DeadlineState } from './status'

export type TileState = 'red' | 'yellow' | 'green' | 'none'
export interface Tile {
  orgId: number
  label: string
  kind: string
  row: number
  col: number
  state: TileState
  open: number
  overdue: number
  dueSoon: number
  total: number
}

const RANK: Record<TileState, number> = { none: 0, green: 1, yellow: 2, red: 3 }
const FROM: Record<DeadlineState, TileState> = {
  overdue: 'red', due_soon: 'yellow', on_track: 'green', done: 'green', none: 'green',
}
export const TILE_TEXT: Record<TileState, string> = { red: '有逾期', yellow: '有临期', green: '正常', none: '无任务' }

/** The units under `parentId`: counties in rows of `columns`, departments in the rows after them. */
export function buildTiles(
  orgs: Org[],
  parentId: number,
  issues: IssueSummary[],
  asOf: string,
  columns = 5,
): Tile[] {
  const units = orgs.filter((o) => o.parent_id === parentId && (o.kind === 'county' || o.kind === 'department'))
  const byPath = (a: Org, b: Org) => a.id - b.id
  const counties = units.filter((o) => o.kind === 'county').sort(byPath)
  const departments = units.filter((o) => o.kind === 'department').sort(byPath)
  const tiles: Tile[] = []
  const place = (list: Org[], firstRow: number) => {
    list.forEach((org, i) => {
      const mine = issues.filter(
        (issue) => issue.lead_org.id === org.id || issue.responsible_orgs.some((r) => r.id === org.id),
      )
      let state: TileState = 'none'
      let overdue = 0
      let dueSoon = 0
      let open = 0
      for (const issue of mine) {
        const s = deadlineState(issue, asOf)
        if (s === 'overdue') overdue++
        if (s === 'due_soon') dueSoon++
        if (s !== 'done') open++
        if (RANK[FROM[s]] > RANK[state]) state = FROM[s]
      }
      tiles.push({
        orgId: org.id,
        label: org.short_name ?? org.name,
        kind: org.kind,
        row: firstRow + Math.floor(i / columns),
        col: i % columns,
        state,
        open,
        overdue,
        dueSoon,
        total: mine.length,
      })
    })
    return firstRow + Math.ceil(list.length / columns)
  }
  const next = place(counties, 0)
  place(departments, next + (counties.length ? 1 : 0))
  return tiles
}
