import { defineStore } from 'pinia'
import { api } from '@/api/endpoints'
import * as session from '@/api/session'
import type { Me } from '@/api/types'
import { ROLE_TEXT } from '@/shared/status'

export const useAuth = defineStore('auth', {
  state: () => ({ me: null as Me | null }),
  getters: {
    signedIn: (s) => s.me !== null,
    isOffice: (s) => s.me?.role === 'office_admin',
    isUnit: (s) => s.me?.role === 'unit_operator',
    /** 领导 (and integrations) read; only the office and units act */
    readOnly: (s) => s.me !== null && s.me.role !== 'office_admin' && s.me.role !== 'unit_operator',
    roleText: (s) => (s.me ? (ROLE_TEXT[s.me.role] ?? s.me.role) : ''),
  },
  actions: {
    async signIn(username: string, password: string) {
      await session.signIn(username, password)
      this.me = await api.me()
    },
    /** finish a single sign-on: the session the API's callback opened */
    async signInWithSso(refreshToken: string) {
      await session.signInWithRefreshToken(refreshToken)
      this.me = await api.me()
    },
    /** the person behind a stored session, or null when there is none (or it expired) */
    async restore(): Promise<Me | null> {
      if (this.me) return this.me
      if (!session.signedIn()) return null
      try {
        this.me = await api.me()
      } catch {
        this.me = null
      }
      return this.me
    },
    signOut() {
      session.signOut()
      this.me = null
    },
  },
})
