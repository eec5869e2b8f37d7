// The phone pages' upload queue, wired to the API (compression, Idempotency-Key, progress, retry).
import { api } from '@/api/endpoints'
import { idempotencyKey, isRetryable, messageOf } from '@/api/http'
import { compressImage } from '@/shared/compress'
import { UploadQueue } from '@/shared/uploadQueue'

export function evidenceQueue(): UploadQueue {
  return new UploadQueue({
    compress: (file) => compressImage(file),
    upload: (blob, name, key, onProgress) =>
      api.upload(blob, name, key, (e) => onProgress(e.total ? e.loaded / e.total : 0)),
    retryable: isRetryable,
    message: messageOf,
    newKey: idempotencyKey,
  })
}

/** A draft kept across reloads and failures, so nothing typed is lost. */
export function draft(key: string) {
  const full = `rectify.draft.${key}`
  return {
    load: (): { text: string; key: string; target: number } | null => {
      try {
        return JSON.parse(localStorage.getItem(full) ?? 'null')
      } catch {
        return null
      }
    },
    save: (value: { text: string; key: string; target: number }) => localStorage.setItem(full, JSON.stringify(value)),
    clear: () => localStorage.removeItem(full),
  }
}
