import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import StatusBadge from './StatusBadge.vue'
import { DEADLINE_STATE, ISSUE_STATUS, deadlineState, label, mayAskExtension } from './status'

describe('StatusBadge', () => {
  it('tells the status in words and a symbol, not by colour alone', () => {
    const w = mount(StatusBadge, { props: { dict: ISSUE_STATUS, value: 'in_progress' } })
    expect(w.text()).toContain('正在推进')
    expect(w.text()).toContain('◐')
    expect(w.classes()).toContain('badge--primary')
  })
  it('shows an unknown status as it came rather than nothing', () => {
    const w = mount(StatusBadge, { props: { dict: ISSUE_STATUS, value: 'frozen' } })
    expect(w.text()).toContain('frozen')
  })
  it('gives every status of the API a distinct text', () => {
    const texts = Object.values(ISSUE_STATUS).map((l) => l.text)
    expect(new Set(texts).size).toBe(texts.length)
    expect(label(ISSUE_STATUS, 'closed').text).toBe('已销号')
  })
})

describe('deadlineState', () => {
  const asOf = '2025-06-01'
  it('is overdue after the deadline while open', () => {
    expect(deadlineState({ status: 'in_progress', deadline: '2025-05-31' }, asOf)).toBe('overdue')
  })
  it('is due soon within 30 days, or when behind schedule', () => {
    expect(deadlineState({ status: 'not_started', deadline: '2025-07-01' }, asOf)).toBe('due_soon')
    expect(deadlineState({ status: 'in_progress', deadline: '2025-07-02' }, asOf)).toBe('on_track')
    expect(deadlineState({ status: 'in_progress', deadline: '2026-01-01', on_schedule: false }, asOf)).toBe('due_soon')
  })
  it('is done for completed work whatever the deadline, and none without one', () => {
    expect(deadlineState({ status: 'completed', deadline: '2020-01-01' }, asOf)).toBe('done')
    expect(deadlineState({ status: 'in_progress', deadline: null }, asOf)).toBe('none')
    expect(DEADLINE_STATE.overdue.text).toBe('已逾期')
  })
})

describe('mayAskExtension', () => {
  const unit = { role: 'unit_operator', org: { id: 7 } }
  const issue = { status: 'in_progress', deadline: '2025-06-30', lead_org: { id: 7 }, responsible_orgs: [] }
  it('lets the unit answering for an open problem ask before its deadline, once at a time', () => {
    expect(mayAskExtension(issue, [], unit, '2025-06-30')).toBe(true)
    expect(mayAskExtension(issue, [{ state: 'rejected' }], unit, '2025-06-01')).toBe(true)
    expect(mayAskExtension(issue, [{ state: 'pending' }], unit, '2025-06-01')).toBe(false)
    expect(mayAskExtension(issue, [], unit, '2025-07-01')).toBe(false) // the deadline has passed
    expect(mayAskExtension({ ...issue, status: 'completed' }, [], unit, '2025-06-01')).toBe(false)
  })
  it('is not offered to another unit, a leader or the office', () => {
    expect(mayAskExtension(issue, [], { role: 'unit_operator', org: { id: 8 } }, '2025-06-01')).toBe(false)
    expect(mayAskExtension({ ...issue, responsible_orgs: [{ id: 8 }] }, [], { role: 'unit_operator', org: { id: 8 } }, '2025-06-01')).toBe(true)
    expect(mayAskExtension(issue, [], { role: 'leader', org: { id: 7 } }, '2025-06-01')).toBe(false)
    expect(mayAskExtension(issue, [], { role: 'office_admin', org: { id: 7 } }, '2025-06-01')).toBe(false)
  })
})
