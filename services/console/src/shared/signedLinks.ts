// Signed links of evidence files (POST /attachments/{id}/link): an <img src> or a download cannot
// send the bearer token, so each file is opened through a short-lived URL. Links are asked for
// lazily (when a thumbnail comes into view), shared by every thumbnail of the same file, and asked
// for again once they expire or when the browser says one no longer opens.

export interface SignedLink { path: string; expires_at: string }

export class LinkCache {
  private readonly links = new Map<number, { path: string; expires: number }>()
  private readonly asking = new Map<number, Promise<string>>()

  /**
   * @param ask the API call that signs a link for a file
   * @param marginMs a link this close to its expiry counts as expired (the image still has to load)
   */
  constructor(
    private readonly ask: (id: number) => Promise<SignedLink>,
    private readonly now: () => number = Date.now,
    private readonly marginMs = 30_000,
  ) {}

  /** A URL (relative to the origin) that opens the file now. */
  get(id: number): Promise<string> {
    const known = this.links.get(id)
    if (known && known.expires - this.marginMs > this.now()) return Promise.resolve(known.path)
    const pending = this.asking.get(id)
    if (pending) return pending
    const fresh = this.ask(id)
      .then((link) => {
        this.links.set(id, { path: link.path, expires: Date.parse(link.expires_at) })
        return link.path
      })
      .finally(() => this.asking.delete(id))
    this.asking.set(id, fresh)
    return fresh
  }

  /** Forget a link the browser could not open (expired early, clock skew): the next get signs anew. */
  forget(id: number, path?: string): void {
    if (path === undefined || this.links.get(id)?.path === path) this.links.delete(id)
  }
}

/** Whether a file is shown as a photo (thumbnail and preview) rather than a file to download. */
export const isImage = (mediaType: string | undefined): boolean => !!mediaType && mediaType.startsWith('image/')

/** A file's size as people read it: 482 KB, 1.2 MB. */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}
