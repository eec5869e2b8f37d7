import { describe, expect, it } from 'vitest'
import { columnOf, sheetRows } from './petitions'

describe('the petition import preview as the sheet', () => {
  it('puts each error on its row and column, rows in Excel order', () => {
    const rows = sheetRows({
      batch_id: 1, sheet: '第101批', ok: false, counts: {},
      rows: [{ row: 5, action: 'create', intake_no: 'D1', locality: { id: 1, name: '阿巴嘎旗' }, state: 'in_progress',
        state_written: null, verdict: null, pollution_types: ['air'], accountability: null }],
      errors: [{ sheet: '第101批', row: 4, column: '污染\n类型', value: '光污染', reason: 'x', reason_zh: '未知污染类型', reason_en: 'x' }],
      warnings: [],
    })
    expect(rows.map((r) => [r.row, r.ok])).toEqual([[4, false], [5, true]])
    expect(rows[0].cells.pollution_types.error?.reason_zh).toBe('未知污染类型')
    expect(rows[0].cells.pollution_types.text).toBe('光污染')
    expect(columnOf('地 区')).toBe('locality')
    expect(columnOf('调查核实情况')).toBe('other')
  })
})
