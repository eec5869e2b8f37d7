// The console's evidence files: one signed-link cache for the whole page, and what is known of
// each file (from a progress report's `attachments`, or fetched for a bare id) so a preview shows
// only the photos among them.
import { api } from '@/api/endpoints'
import type { AttachmentBrief } from '@/api/types'
import { isImage, LinkCache } from './signedLinks'

export const links = new LinkCache((id) => api.attachmentLink(id))

const known = new Map<number, AttachmentBrief>()
export const remember = (brief: AttachmentBrief): void => void known.set(brief.id, brief)
export const brief = (id: number): AttachmentBrief | undefined => known.get(id)

/** Fresh URLs of the photos among `ids` and where `start` is among them, for an image viewer. */
export async function photoUrls(ids: number[], start: number): Promise<{ urls: string[]; index: number }> {
  const photos = ids.filter((id) => id === start || isImage(known.get(id)?.media_type))
  const urls = await Promise.all(photos.map((id) => links.get(id)))
  return { urls, index: Math.max(0, photos.indexOf(start)) }
}
