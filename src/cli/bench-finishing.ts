// A part of `npm run bench`: finishing alone, for a settled upload of 100,000 rows seeded into the local
// OCI's state bucket as the chunks leave it (64 chunk records, parts of 200 report lines, about 13 MB of
// report), run by a warm function container: its peak RSS, with and without --expose-gc (which lets
// finishing free the network buffers it has streamed, src/support/release-buffers.ts). Seconds, where
// the whole upload takes 45 minutes at an emulated rate.
import { REPORT_CSV_HEADER } from '../core/batch-report';
import type { BatchResult, NoticeResult } from '../core/response';
import { type ChunkRecord, chunkRowsFor, emptyChunk, type UploadRecord, uploadKey } from '../core/upload-progress';
import { startFunction } from '../local-oci/fn-harness';
import { startLocalStack } from '../local-stack/stack';
import { objectCreatedEvent, peakRssMb } from '../local-stack/upload-driver';
import { chunkName, partName, progressDir } from '../triggers/upload-chunks';
import { bundlePath } from './print';

/** Report lines in one part: what a chunk writes between two checkpoints. */
const PART_LINES = 200;
const HEADER = 'employeeId,userName,email,givenName,familyName,roles,compartment';

export interface FinishingFigure {
  readonly sources: number;
  readonly reportMb: number;
  readonly answer: string;
  readonly seconds: number;
  /** The container's peak RSS after a 200-row upload (warm), and after finishing (MB). */
  readonly warmPeakMb: number;
  readonly finishedPeakMb: number;
}

/** Seeds a settled upload of `rows` rows and has a warm container (started with `nodeArgs`) finish it. */
export async function finishingFigure(rows: number, nodeArgs: readonly string[]): Promise<FinishingFigure> {
  const stack = await startLocalStack();
  try {
    const name = 'incoming/settled.csv';
    const lines = [HEADER];
    for (let i = 1; i <= rows; i += 1) lines.push(`B${i},batch${i}@example.com,batch${i}@example.com,Batch,Hire ${i},auditor,dev`);
    const file = stack.oci.state.putObject(stack.uploadBucket, name, `${lines.join('\n')}\n`, 'text/csv');
    const key = uploadKey(stack.uploadBucket, name, file.md5);
    const dir = progressDir(key);
    const chunkRows = chunkRowsFor(rows, 500);
    const chunks = Math.ceil(rows / chunkRows);
    let sources = 1;
    let bytes = REPORT_CSV_HEADER.length;
    for (let chunk = 0; chunk < chunks; chunk += 1) {
      const first = chunk * chunkRows + 2;
      const last = Math.min(rows + 1, first + chunkRows - 1);
      const sizes: number[] = [];
      for (let from = first, part = 1; from <= last; from += PART_LINES, part += 1) {
        let text = '';
        for (let line = from; line <= Math.min(last, from + PART_LINES - 1); line += 1)
          text += `${line},succeeded,B${line - 1},batch${line - 1}@example.com,ocid1.user.oc1..aaaaaaaa${String(line).padStart(52, '0')},created\r\n`;
        stack.oci.state.putObject(stack.stateBucket, partName(dir, chunk, 1, part), text, 'text/csv');
        sizes.push(Buffer.byteLength(text));
        bytes += Buffer.byteLength(text);
        sources += 1;
      }
      const record: ChunkRecord = {
        ...emptyChunk(chunk, 1),
        status: 'done',
        settled: [[first, last]],
        counts: { succeeded: last - first + 1, rejected: 0, unreadable: 0 },
        parts: [{ claim: 1, sizes }],
        invocations: 1,
      };
      stack.oci.state.putObject(stack.stateBucket, chunkName(dir, chunk), JSON.stringify(record), 'application/json');
    }
    const upload: UploadRecord = {
      key,
      source: { bucket: stack.uploadBucket, object: name, md5: file.md5 },
      status: 'running',
      rows,
      chunkRows,
      chunks,
      round: 1,
      startedAt: new Date().toISOString(),
      callId: 'SEEDED',
    };
    stack.oci.state.putObject(stack.stateBucket, `${dir}/upload.json`, JSON.stringify(upload), 'application/json');

    const fn = await startFunction({ entry: bundlePath(), env: stack.functionEnv, nodeArgs });
    try {
      // Warm, as the container that settles the last chunk is: a 200-row upload first.
      const warm = [HEADER];
      for (let i = 1; i <= 200; i += 1) warm.push(`W${i},warm${i}@example.com,warm${i}@example.com,Warm,Up ${i},auditor,dev`);
      stack.oci.state.putObject(stack.uploadBucket, 'incoming/warm.csv', `${warm.join('\n')}\n`, 'text/csv');
      await fn.invoke(JSON.stringify(objectCreatedEvent(stack, 'incoming/warm.csv')), { deadlineMs: 120_000 });
      const warmPeakMb = peakRssMb(fn.pid);
      const started = performance.now();
      const response = await fn.invoke(JSON.stringify(objectCreatedEvent(stack, name)), { deadlineMs: 120_000 });
      const answer = response.json as BatchResult | NoticeResult;
      return {
        sources,
        reportMb: bytes / 1e6,
        answer: `${answer.kind} ${answer.status}`,
        seconds: (performance.now() - started) / 1000,
        warmPeakMb,
        finishedPeakMb: peakRssMb(fn.pid),
      };
    } finally {
      await fn.stop();
    }
  } finally {
    await stack.oci.stop();
  }
}
