// One axios instance for the API: bearer token, one silent refresh on 401, and the server's
// Chinese message (the error envelope's `message`) for every failure.
import axios, { AxiosError, type InternalAxiosRequestConfig } from 'axios'
import { accessToken, expired, refresh } from './session'

// repeated query parameters as the API expects them: status=a&status=b
export const http = axios.create({ baseURL: '/api/v1', timeout: 60_000, paramsSerializer: { indexes: null } })

// Progress report ids are 64-bit (above 2^53): JSON.parse would round them and the next request
// would name another report. Integers JavaScript cannot hold exactly are kept as strings.
const BIG_INTEGER = /([:,[]\s*)(-?\d{16,})(?=\s*[,\]}])/g
export function parseExact(text: string): unknown {
  return JSON.parse(text.replace(BIG_INTEGER, (all, before: string, digits: string) =>
    Number.isSafeInteger(Number(digits)) ? all : `${before}"${digits}"`))
}
http.defaults.transformResponse = [
  (data: unknown) => {
    if (typeof data !== 'string' || !data) return data
    try {
      return parseExact(data)
    } catch {
      return data
    }
  },
]

http.interceptors.request.use((config) => {
  const token = accessToken()
  if (token) config.headers.set('Authorization', `Bearer ${token}`)
  return config
})

http.interceptors.response.use(
  (response) => response,
  async (error: AxiosError) => {
    const config = error.config as (InternalAxiosRequestConfig & { _retried?: boolean }) | undefined
    if (error.response?.status === 401 && config && !config._retried) {
      config._retried = true
      if (await refresh()) return http(config)
      expired()
    }
    throw error
  },
)

interface Envelope { error?: { code?: string; message?: string; message_en?: string; details?: Array<{ field?: string; reason?: string }> } }

/** What to tell a person about a failed request, in Chinese, from the server when it said something. */
export function messageOf(error: unknown): string {
  if (axios.isAxiosError(error)) {
    const body = error.response?.data as Envelope | undefined
    if (body?.error?.message) return body.error.message
    if (!error.response) return error.code === 'ECONNABORTED' ? '请求超时，请检查网络后重试' : '网络连接失败，请检查网络后重试'
    return `服务器错误（${error.response.status}），请稍后重试`
  }
  return error instanceof Error ? error.message : String(error)
}

/** The error envelope's machine code (`error.code`), when the server sent one. */
export function errorCode(error: unknown): string | undefined {
  return axios.isAxiosError(error) ? (error.response?.data as Envelope | undefined)?.error?.code : undefined
}

export function isRetryable(error: unknown): boolean {
  if (!axios.isAxiosError(error)) return false
  const status = error.response?.status
  return status === undefined || status === 408 || status === 409 || status === 429 || status >= 500
}

/** A key that makes a retried POST safe: the server replays the first answer. */
export function idempotencyKey(): string {
  const c = globalThis.crypto as Crypto | undefined
  if (c?.randomUUID) return c.randomUUID()
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`
}
