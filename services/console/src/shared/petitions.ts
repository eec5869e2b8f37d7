// Petition (信访件) dictionaries, and the import preview laid out as the sheet: one line per Excel
// row, each error on the row and column where the file has it.
import type { ImportCell, PetitionPreview, PetitionState, PetitionVerdict } from '@/api/petitions'
import type { Label } from './status'

export const PETITION_STATE: Record<PetitionState, Label> = {
  in_progress: { text: '正在办理', tone: 'primary', symbol: '◐' },
  closed_in_stage: { text: '阶段性办结', tone: 'warning', symbol: '◑' },
  closed: { text: '已办结', tone: 'success', symbol: '✓' },
}

export const PETITION_VERDICT: Record<PetitionVerdict, Label> = {
  substantiated: { text: '属实', tone: 'danger', symbol: '●' },
  largely_substantiated: { text: '基本属实', tone: 'warning', symbol: '◕' },
  partly_substantiated: { text: '部分属实', tone: 'warning', symbol: '◑' },
  unsubstantiated: { text: '不属实', tone: 'info', symbol: '○' },
}

/** The preview's columns: the field, its heading, and the headers a file may give it (as the API reads them). */
export const SHEET_COLUMNS: Array<{ key: string; label: string; headers: string[] }> = [
  { key: 'intake_no', label: '受理编号', headers: ['受理编号', '举报编号', '编号'] },
  { key: 'locality', label: '行政区域', headers: ['行政区域', '行政区划', '所属地区', '地区', '旗县市区'] },
  { key: 'pollution_types', label: '污染类型', headers: ['污染类型', '污染类别'] },
  { key: 'verdict', label: '是否属实', headers: ['是否属实', '核实结论'] },
  { key: 'state', label: '办理状态', headers: ['办理状态', '办结状态', '办结情况', '是否办结', '办理进度'] },
  {
    key: 'other',
    label: '其他列',
    headers: [],
  },
]

const normalise = (text: string | null | undefined) => (text ?? '').replace(/[\s（）()]/g, '')

/** The preview column a cell's header belongs to ('other' for the rest). */
export function columnOf(header: string | null | undefined): string {
  const h = normalise(header)
  return SHEET_COLUMNS.find((c) => c.headers.includes(h))?.key ?? 'other'
}

export interface SheetCell { text: string; error?: ImportCell; warning?: ImportCell }
export interface SheetRow { row: number; ok: boolean; cells: Record<string, SheetCell>; problems: ImportCell[] }

/** The preview as lines of the sheet, in Excel's row order; errors without a row are left to the caller. */
export function sheetRows(p: PetitionPreview, typeName: (code: string) => string = (c) => c): SheetRow[] {
  const lines = new Map<number, SheetRow>()
  const line = (row: number) => {
    let l = lines.get(row)
    if (!l) lines.set(row, (l = { row, ok: true, cells: {}, problems: [] }))
    return l
  }
  for (const r of p.rows) {
    const l = line(r.row)
    l.cells.intake_no = { text: r.intake_no }
    l.cells.locality = { text: String((r.locality as { name?: string }).name ?? '') }
    l.cells.pollution_types = { text: r.pollution_types.map(typeName).join('、') }
    l.cells.verdict = { text: r.verdict ? PETITION_VERDICT[r.verdict].text : '' }
    l.cells.state = { text: r.state_written ?? PETITION_STATE[r.state].text }
  }
  const mark = (cells: ImportCell[], kind: 'error' | 'warning') => {
    for (const c of cells) {
      if (c.row == null) continue
      const l = line(c.row)
      const key = columnOf(c.column)
      const cell = l.cells[key] ?? (l.cells[key] = { text: '' })
      if (key === 'other') cell.text = [cell.text, `${normalise(c.column) || '—'}：${c.value ?? ''}`].filter(Boolean).join('；')
      else if (!cell.text) cell.text = c.value ?? ''
      if (kind === 'error') {
        cell.error ??= c
        l.ok = false
      } else cell.warning ??= c
      l.problems.push(c)
    }
  }
  mark(p.errors, 'error')
  mark(p.warnings, 'warning')
  return [...lines.values()].sort((a, b) => a.row - b.row)
}
