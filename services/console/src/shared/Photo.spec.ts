import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

const signed: number[] = []
vi.mock('@/api/endpoints', () => ({
  api: {
    attachmentLink: vi.fn(async (id: number) => {
      signed.push(id)
      return { path: `/api/v1/attachments/${id}/signed?token=t${signed.length}`, expires_at: new Date(Date.now() + 600_000).toISOString() }
    }),
    attachment: vi.fn(async (id: number) => ({ id, filename: '验收.pdf', file_type: 'pdf', media_type: 'application/pdf', size: 2048, sha256: '' })),
  },
}))

import Photo from './Photo.vue'

const jpeg = (id: number) => ({ id, filename: '现场.jpg', file_type: 'jpeg', media_type: 'image/jpeg', size: 482113, sha256: '' })
let seen: (visible: boolean) => void = () => {}

beforeEach(() => {
  signed.length = 0
  vi.stubGlobal('IntersectionObserver', class {
    constructor(cb: (entries: Array<{ isIntersecting: boolean }>) => void) {
      seen = (visible) => cb([{ isIntersecting: visible }])
    }
    observe() {}
    disconnect() {}
  })
})
afterEach(() => vi.unstubAllGlobals())

describe('Photo', () => {
  it('asks for a signed link only once the photo comes into view', async () => {
    const w = mount(Photo, { props: { id: 41, brief: jpeg(41) } })
    await flushPromises()
    expect(signed).toEqual([])
    expect(w.find('img').exists()).toBe(false)
    seen(true)
    await flushPromises()
    expect(w.find('img').attributes('src')).toBe('/api/v1/attachments/41/signed?token=t1')
    expect(w.find('img').attributes('alt')).toBe('佐证照片：现场.jpg')
    await w.find('button').trigger('click')
    expect(w.emitted('open')).toEqual([[41]])
  })

  it('signs a new link when the image no longer opens, but not again before one loads', async () => {
    const w = mount(Photo, { props: { id: 42, brief: jpeg(42) } })
    seen(true)
    await flushPromises()
    await w.find('img').trigger('error') // expired
    await flushPromises()
    expect(w.find('img').attributes('src')).toBe('/api/v1/attachments/42/signed?token=t2')
    await w.find('img').trigger('load')
    await w.find('img').trigger('error') // expired again, much later: signed again
    await flushPromises()
    expect(w.find('img').attributes('src')).toBe('/api/v1/attachments/42/signed?token=t3')
    await w.find('img').trigger('error') // the fresh link fails too: no loop
    await flushPromises()
    expect(signed).toEqual([42, 42, 42])
    expect(w.find('img').exists()).toBe(false)
    expect(w.text()).toContain('图片加载失败')
  })

  it('shows other evidence as a file chip that downloads under its name', async () => {
    const w = mount(Photo, { props: { id: 43 } }) // a bare id (a closure's evidence): its kind is fetched
    seen(true)
    await flushPromises()
    const chip = w.find('a.file')
    expect(chip.text()).toContain('PDF')
    expect(chip.text()).toContain('验收.pdf')
    expect(chip.text()).toContain('2 KB')
    expect(chip.attributes('download')).toBe('验收.pdf')
    expect(chip.attributes('href')).toBe('/api/v1/attachments/43/signed?token=t1')
    expect(w.find('img').exists()).toBe(false)
  })
})
