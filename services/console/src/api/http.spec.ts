import { describe, expect, it } from 'vitest'
import { parseExact } from './http'

describe('parseExact', () => {
  it('keeps ids above 2^53 exact, as strings', () => {
    const got = parseExact('{"id":388086040335347152,"issue_id":33,"items":[9007199254740993, 12]}') as Record<string, unknown>
    expect(got.id).toBe('388086040335347152')
    expect(got.issue_id).toBe(33)
    expect(got.items).toEqual(['9007199254740993', 12])
  })
  it('leaves safe numbers, decimals and text alone', () => {
    expect(parseExact('{"a":9007199254740991,"b":1.5,"t":"id 1234567890123456789"}')).toEqual({
      a: 9007199254740991, b: 1.5, t: 'id 1234567890123456789',
    })
  })
})
