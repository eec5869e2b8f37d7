// The photo upload queue of a progress report: each file is compressed, then uploaded with its
// own Idempotency-Key (kept across retries, so a retry after a lost answer never stores it twice),
// retried with backoff on network failures and 5xx/429, and reports its progress.
import { reactive } from 'vue'

export type UploadStatus = 'pending' | 'compressing' | 'uploading' | 'done' | 'failed'
export interface UploadItem {
  id: number
  file: File
  name: string
  status: UploadStatus
  progress: number
  key: string
  tries: number
  attachmentId: number | null
  error: string | null
  size: number
}
export interface Uploader {
  compress(file: File): Promise<{ blob: Blob; name: string; after: number }>
  upload(blob: Blob, name: string, key: string, onProgress: (fraction: number) => void): Promise<{ id: number }>
  retryable(error: unknown): boolean
  message(error: unknown): string
  newKey(): string
  sleep?(ms: number): Promise<void>
}

export class UploadQueue {
  readonly items: UploadItem[]
  private seq = 0
  constructor(private readonly uploader: Uploader, private readonly maxTries = 4, private readonly baseDelayMs = 800) {
    this.items = reactive([]) as UploadItem[]
  }

  add(files: Iterable<File>): void {
    for (const file of files) {
      this.items.push({
        id: ++this.seq, file, name: file.name, status: 'pending', progress: 0, key: this.uploader.newKey(),
        tries: 0, attachmentId: null, error: null, size: file.size,
      })
    }
  }

  remove(id: number): void {
    const i = this.items.findIndex((x) => x.id === id)
    if (i >= 0 && this.items[i].status !== 'uploading') this.items.splice(i, 1)
  }

  get busy(): boolean {
    return this.items.some((x) => x.status === 'compressing' || x.status === 'uploading')
  }

  get done(): boolean {
    return this.items.every((x) => x.status === 'done')
  }

  /** the fraction of all bytes uploaded so far, 0–1 */
  get progress(): number {
    const total = this.items.reduce((n, x) => n + x.size, 0)
    return total ? this.items.reduce((n, x) => n + x.size * x.progress, 0) / total : 1
  }

  /** Upload everything not yet uploaded; resolves to the attachment ids or throws the first failure. */
  async run(): Promise<number[]> {
    for (const item of this.items) {
      if (item.status !== 'done') await this.one(item)
    }
    const failed = this.items.find((x) => x.status === 'failed')
    if (failed) throw new Error(`${failed.name}：${failed.error ?? '上传失败'}`)
    return this.items.map((x) => x.attachmentId as number)
  }

  private async one(item: UploadItem): Promise<void> {
    item.error = null
    item.status = 'compressing'
    const { blob, name, after } = await this.uploader.compress(item.file)
    item.size = after
    const sleep = this.uploader.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)))
    for (;;) {
      item.tries++
      item.status = 'uploading'
      item.progress = 0
      try {
        const att = await this.uploader.upload(blob, name, item.key, (f) => (item.progress = f))
        item.attachmentId = att.id
        item.progress = 1
        item.status = 'done'
        return
      } catch (error) {
        item.error = this.uploader.message(error)
        if (!this.uploader.retryable(error) || item.tries >= this.maxTries) {
          item.status = 'failed'
          return
        }
        await sleep(this.baseDelayMs * 2 ** (item.tries - 1))
      }
    }
  }
}
