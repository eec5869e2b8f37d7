import { chinaToday } from '@/shared/today'
import { defineStore } from 'pinia'
import { api } from '@/api/endpoints'
import type { Round } from '@/api/types'

const KEY = 'rectify.round'

export const useRound = defineStore('round', {
  state: () => ({
    rounds: [] as Round[],
    id: Number(localStorage.getItem(KEY)) || 0,
    asOf: chinaToday(),
  }),
  getters: {
    current: (s) => s.rounds.find((r) => r.id === s.id) ?? s.rounds[0] ?? null,
  },
  actions: {
    async load() {
      if (!this.rounds.length) this.rounds = await api.rounds()
      if (!this.rounds.some((r) => r.id === this.id)) this.id = this.rounds[0]?.id ?? 0
      return this.current
    },
    choose(id: number) {
      this.id = id
      localStorage.setItem(KEY, String(id))
    },
  },
})
