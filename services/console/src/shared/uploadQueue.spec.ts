import { describe, expect, it } from 'vitest'
import { UploadQueue, type Uploader } from './uploadQueue'

class NetworkDown extends Error {}
class Refused extends Error {}

function uploader(failures: Array<Error | null>) {
  const calls: Array<{ name: string; key: string }> = []
  let keys = 0
  const u: Uploader = {
    compress: async (file) => ({ blob: file, name: file.name.replace('.png', '.jpg'), after: Math.ceil(file.size / 2) }),
    upload: async (_blob, name, key, onProgress) => {
      calls.push({ name, key })
      onProgress(0.5)
      const fail = failures.shift()
      if (fail) throw fail
      return { id: 100 + calls.length }
    },
    retryable: (e) => e instanceof NetworkDown,
    message: (e) => (e instanceof Refused ? '文件类型不允许' : '网络连接失败'),
    newKey: () => `key-${++keys}`,
    sleep: async () => {},
  }
  return { u, calls }
}
const file = (name: string, size = 1000) => new File([new Uint8Array(size)], name, { type: 'image/png' })

describe('UploadQueue', () => {
  it('uploads compressed files and returns the attachment ids in order', async () => {
    const { u, calls } = uploader([])
    const q = new UploadQueue(u)
    q.add([file('a.png'), file('b.png')])
    expect(await q.run()).toEqual([101, 102])
    expect(calls.map((c) => c.name)).toEqual(['a.jpg', 'b.jpg'])
    expect(q.done).toBe(true)
    expect(q.progress).toBe(1)
  })
  it('retries a network failure with the same Idempotency-Key', async () => {
    const { u, calls } = uploader([new NetworkDown(), new NetworkDown(), null])
    const q = new UploadQueue(u)
    q.add([file('a.png')])
    expect(await q.run()).toEqual([103])
    expect(calls.map((c) => c.key)).toEqual(['key-1', 'key-1', 'key-1'])
    expect(q.items[0].tries).toBe(3)
  })
  it('does not retry what the server refused, and says why', async () => {
    const { u, calls } = uploader([new Refused()])
    const q = new UploadQueue(u)
    q.add([file('a.png')])
    await expect(q.run()).rejects.toThrow('文件类型不允许')
    expect(calls).toHaveLength(1)
    expect(q.items[0].status).toBe('failed')
  })
  it('gives up after its tries, and a later run resumes only what is not uploaded', async () => {
    const { u, calls } = uploader([null, new NetworkDown(), new NetworkDown()])
    const q = new UploadQueue(u, 2)
    q.add([file('a.png'), file('b.png')])
    await expect(q.run()).rejects.toThrow('网络连接失败')
    expect(q.items.map((i) => i.status)).toEqual(['done', 'failed'])
    expect(await q.run()).toEqual([101, 104])
    expect(calls.map((c) => c.name)).toEqual(['a.jpg', 'b.jpg', 'b.jpg', 'b.jpg'])
  })
})
