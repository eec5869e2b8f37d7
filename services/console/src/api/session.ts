// The signed-in session: access and refresh tokens in localStorage, refreshed silently before
// the access token expires and once more when a request meets a 401. When refreshing fails the
// session has expired: listeners send the person to the sign-in page with the page remembered.
import axios from 'axios'
import type { components } from './schema'

type TokenResponse = components['schemas']['TokenResponse']
interface Stored { access: string; refresh: string; expiresAt: number }

const KEY = 'rectify.session'
let current: Stored | null = read()
let refreshing: Promise<boolean> | null = null
let timer: ReturnType<typeof setTimeout> | undefined
const expiredListeners: Array<() => void> = []

function read(): Stored | null {
  try {
    const raw = localStorage.getItem(KEY)
    return raw ? (JSON.parse(raw) as Stored) : null
  } catch {
    return null
  }
}

function store(t: TokenResponse): void {
  current = { access: t.access_token, refresh: t.refresh_token, expiresAt: Date.now() + t.expires_in * 1000 }
  localStorage.setItem(KEY, JSON.stringify(current))
  schedule()
}

function schedule(): void {
  clearTimeout(timer)
  if (!current) return
  const wait = Math.max(5_000, current.expiresAt - Date.now() - 60_000)
  timer = setTimeout(() => void refresh(), Math.min(wait, 2 ** 31 - 1))
}

async function grant(form: Record<string, string>): Promise<TokenResponse> {
  const body = new URLSearchParams(form)
  const { data } = await axios.post<TokenResponse>('/api/v1/auth/token', body, {
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  })
  return data
}

export async function signIn(username: string, password: string): Promise<void> {
  store(await grant({ grant_type: 'password', username, password }))
}

/** Single sign-on: the API's callback hands over the new session's refresh token (in the page's
 * fragment); redeeming it rotates it, as any refresh does. */
export async function signInWithRefreshToken(refreshToken: string): Promise<void> {
  store(await grant({ grant_type: 'refresh_token', refresh_token: refreshToken }))
}

/** One refresh at a time; true when a new access token is in place. */
export function refresh(): Promise<boolean> {
  if (!current) return Promise.resolve(false)
  refreshing ??= grant({ grant_type: 'refresh_token', refresh_token: current.refresh })
    .then((t) => (store(t), true))
    .catch(() => false)
    .finally(() => (refreshing = null))
  return refreshing
}

export function accessToken(): string | null {
  return current?.access ?? null
}

export function signedIn(): boolean {
  return current !== null
}

export function signOut(): void {
  current = null
  clearTimeout(timer)
  localStorage.removeItem(KEY)
}

export function onExpired(fn: () => void): void {
  expiredListeners.push(fn)
}

export function expired(): void {
  signOut()
  for (const fn of expiredListeners) fn()
}

schedule()
