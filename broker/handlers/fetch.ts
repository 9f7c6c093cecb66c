/** fetch (pull): whole committed batches from an offset; long-polls up to maxWaitMs when there is nothing yet. */
import type { RequestOf, ResponseOf } from '../../protocol/index.js';
import type { HandlerContext } from './context.js';
import { wireErrorOf } from './errors.js';

export function fetchHandler(ctx: HandlerContext) {
  return async (request: RequestOf<'fetch'>): Promise<ResponseOf<'fetch'>> => {
    const { topic, offset, maxWaitMs } = request;
    const maxBytes = Math.min(request.maxBytes, ctx.maxFetchBytes);
    try {
      const partition = ctx.partitions.leader(topic, request.partition);
      let batches = partition.read(offset, maxBytes);
      if (batches.length === 0 && maxWaitMs > 0 && !ctx.isShuttingDown()) {
        const outcome = await partition.waitForData(offset, maxWaitMs);
        // 'closed' falls through to read(), which names why (topic deleted or broker stopping).
        if (outcome !== 'timeout' && outcome !== 'woken') batches = partition.read(offset, maxBytes);
      }
      let records = 0;
      let bytes = 0;
      for (const batch of batches) {
        records += batch.count;
        bytes += batch.bytes.byteLength;
      }
      if (batches.length > 0) ctx.metrics.fetched(topic, records, bytes);
      return {
        highWatermark: partition.highWatermark,
        logStartOffset: partition.logStartOffset,
        batches: batches.map((b) => b.bytes),
      };
    } catch (err) {
      throw wireErrorOf(ctx, err, 'fetch');
    }
  };
}
