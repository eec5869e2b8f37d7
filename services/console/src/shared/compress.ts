// Photos from a phone camera are 3–12 MB: scale them to at most `maxSide` pixels and re-encode
// as JPEG before upload, which takes a slow 4G upload from a minute to seconds.
export interface Compressed { blob: Blob; name: string; before: number; after: number }

export async function compressImage(file: File, maxSide = 1600, quality = 0.8): Promise<Compressed> {
  const keep = { blob: file as Blob, name: file.name, before: file.size, after: file.size }
  if (!file.type.startsWith('image/') || file.type === 'image/gif' || typeof createImageBitmap !== 'function') return keep
  try {
    const bitmap = await createImageBitmap(file)
    const scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height))
    const canvas = document.createElement('canvas')
    canvas.width = Math.round(bitmap.width * scale)
    canvas.height = Math.round(bitmap.height * scale)
    canvas.getContext('2d')?.drawImage(bitmap, 0, 0, canvas.width, canvas.height)
    bitmap.close?.()
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality))
    if (!blob || blob.size >= file.size) return keep
    const name = file.name.replace(/\.[^.]+$/, '') + '.jpg'
    return { blob, name, before: file.size, after: blob.size }
  } catch {
    return keep // an image the browser cannot decode goes up as it is
  }
}
