// Requesting a report and waiting for it: poll until done or failed, then fetch the file.
import { api, saveBlob } from './endpoints'
import type { Report, ReportRequest } from './types'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export async function waitForReport(
  id: number,
  onUpdate?: (r: Report) => void,
  timeoutMs = 180_000,
): Promise<Report> {
  const start = Date.now()
  let delay = 500
  for (;;) {
    const report = await api.report(id)
    onUpdate?.(report)
    if (report.status === 'done' || report.status === 'failed') return report
    if (Date.now() - start > timeoutMs) throw new Error('报告生成超时，请稍后在报告中心查看')
    await sleep(delay)
    delay = Math.min(delay * 1.5, 3000)
  }
}

export async function downloadReport(report: Report): Promise<void> {
  const blob = await api.reportFile(report.id)
  saveBlob(blob, report.file_name ?? `report-${report.id}.${report.format}`)
}

export async function requestAndDownload(body: ReportRequest, onUpdate?: (r: Report) => void): Promise<Report> {
  const queued = await api.requestReport(body)
  const done = await waitForReport(queued.id, onUpdate)
  if (done.status === 'failed') throw new Error(done.error ?? '报告生成失败')
  await downloadReport(done)
  return done
}
