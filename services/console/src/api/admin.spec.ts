import { AxiosError, AxiosHeaders } from 'axios'
import { describe, expect, it } from 'vitest'
import { fieldErrors } from './admin'

function refused(details: unknown[]): AxiosError {
  const config = { headers: new AxiosHeaders() }
  return new AxiosError('422', 'ERR_BAD_REQUEST', config, null, {
    status: 422, statusText: '', headers: {}, config,
    data: { error: { code: 'invalid_input', message: '输入数据不合法', message_en: 'Invalid input', details } },
  })
}

describe('fieldErrors', () => {
  it('puts each message on its form field, in Chinese when the server gave it', () => {
    const got = fieldErrors(refused([
      { field: 'body.password', reason: 'String should have at least 8 characters', reason_zh: '至少 8 个字符' },
      { field: 'body.email', reason: 'value is not a valid email address' },
      { field: 'body.makeup_workdays', row: 2, reason: '2027-10-06 is a weekday' },
      { field: null, reason: 'unparsable' },
    ]))
    expect(got).toEqual({ password: '至少 8 个字符', email: 'value is not a valid email address', 'makeup_workdays.2': '2027-10-06 is a weekday' })
  })
  it('joins two messages on one field and ignores what is no HTTP error', () => {
    expect(fieldErrors(refused([{ field: 'body.url', reason: 'a' }, { field: 'body.url', reason: 'b' }]))).toEqual({ url: 'a；b' })
    expect(fieldErrors(new Error('x'))).toEqual({})
  })
})
