import { describe, expect, it } from 'vitest'
import { fileSize, LinkCache, type SignedLink } from './signedLinks'

function signer(start = Date.parse('2026-12-07T02:00:00Z')) {
  let clock = start
  let n = 0
  const asked: number[] = []
  const ask = async (id: number): Promise<SignedLink> => {
    asked.push(id)
    n++
    return { path: `/api/v1/attachments/${id}/signed?token=t${n}`, expires_at: new Date(clock + 10 * 60_000).toISOString() }
  }
  return { ask, asked, now: () => clock, advance: (ms: number) => (clock += ms) }
}

describe('LinkCache', () => {
  it('signs a link once and shares it while it works', async () => {
    const s = signer()
    const links = new LinkCache(s.ask, s.now)
    const [a, b] = await Promise.all([links.get(7), links.get(7)])
    expect(a).toBe('/api/v1/attachments/7/signed?token=t1')
    expect(b).toBe(a)
    s.advance(5 * 60_000)
    expect(await links.get(7)).toBe(a)
    expect(s.asked).toEqual([7])
  })

  it('signs a new link when the old one expires, or is about to', async () => {
    const s = signer()
    const links = new LinkCache(s.ask, s.now, 30_000)
    const first = await links.get(7)
    s.advance(10 * 60_000 - 20_000) // 20 s left: too little to load an image
    const second = await links.get(7)
    expect(second).not.toBe(first)
    expect(s.asked).toEqual([7, 7])
  })

  it('signs anew a link the browser could not open, but not one already replaced', async () => {
    const s = signer()
    const links = new LinkCache(s.ask, s.now)
    const first = await links.get(7)
    links.forget(7, first)
    const second = await links.get(7)
    expect(second).not.toBe(first)
    links.forget(7, first) // a late error of the old <img>: the new link stays
    expect(await links.get(7)).toBe(second)
    expect(s.asked).toEqual([7, 7])
  })

  it('asks again after a failed signing', async () => {
    let fail = true
    const links = new LinkCache(async (id) => {
      if (fail) throw new Error('网络连接失败')
      return { path: `/p/${id}`, expires_at: new Date(Date.now() + 600_000).toISOString() }
    })
    await expect(links.get(3)).rejects.toThrow('网络连接失败')
    fail = false
    expect(await links.get(3)).toBe('/p/3')
  })
})

describe('fileSize', () => {
  it('reads like a person would say it', () => {
    expect(fileSize(900)).toBe('900 B')
    expect(fileSize(482113)).toBe('471 KB')
    expect(fileSize(3 * 1024 * 1024 + 200_000)).toBe('3.2 MB')
  })
})
