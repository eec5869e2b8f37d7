import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chinaToday, inChina } from './today'

declare const process: { env: Record<string, string | undefined> }

// the same answers whatever zone the browser is in (Node honours TZ set at run time)
for (const zone of ['UTC', 'America/Los_Angeles', 'Asia/Shanghai', 'Pacific/Kiritimati']) describe(`chinaToday, browser in ${zone}`, () => {
  beforeAll(() => { process.env.TZ = zone })
  afterAll(() => { delete process.env.TZ })
  it("names China's day, not the browser's, on either side of China's midnight", () => {
    // 2026-12-07 16:30 UTC is 2026-12-08 00:30 in China
    expect(chinaToday(Date.UTC(2026, 11, 7, 16, 30))).toBe('2026-12-08')
    // 2026-12-07 15:59 UTC is still 2026-12-07 23:59 in China
    expect(chinaToday(Date.UTC(2026, 11, 7, 15, 59))).toBe('2026-12-07')
    expect(chinaToday('2026-12-31T23:00:00Z')).toBe('2027-01-01')
  })
  it("reads China's wall clock for a timestamp", () => {
    expect(inChina('2026-12-07T16:30:05Z').format('YYYY-MM-DD HH:mm:ss')).toBe('2026-12-08 00:30:05')
    expect(inChina('2026-07-01T00:00:00+08:00').format('YYYY-MM-DD HH:mm')).toBe('2026-07-01 00:00')
  })
})
