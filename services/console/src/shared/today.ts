// The office's day and clock: China's (Asia/Shanghai, UTC+8 all year, no daylight saving), whatever
// zone the browser is set to. The server means China's day by "today" (`as_of` defaults to it and
// refuses a later one), so a browser abroad, or a laptop left on UTC, must ask for the same day:
// between China's midnight and its own, `dayjs()` would name yesterday (or tomorrow) instead.
import dayjs, { type Dayjs } from 'dayjs'

const CHINA_OFFSET_MINUTES = 8 * 60

/** An instant as China's wall clock reads it: a dayjs whose local fields (day, hour…) are China's.
 *  For display and for naming days only — do not send its `toISOString()`. */
export function inChina(at: number | string | Date = Date.now()): Dayjs {
  const ms = typeof at === 'number' ? at : new Date(at).getTime()
  // the browser's own offset at that instant, so its local fields come out as China's
  const local = new Date(ms).getTimezoneOffset()
  return dayjs(ms + (CHINA_OFFSET_MINUTES + local) * 60_000)
}

/** Today in China, YYYY-MM-DD: the day to send as `as_of` and to compare deadlines with. */
export function chinaToday(at: number | string | Date = Date.now()): string {
  return inChina(at).format('YYYY-MM-DD')
}

/** The last instant of a China day (YYYY-MM-DD), as an ISO timestamp with China's offset. */
export function chinaEndOfDay(day: string): string {
  return `${day}T23:59:59.999+08:00`
}
