/** listOffsets (rule 10): 'earliest' = log start, 'latest' = high watermark, or the first batch at a timestamp. */
import type { RequestOf, ResponseOf } from '../../protocol/index.js';
import type { HandlerContext } from './context.js';
import { wireErrorOf } from './errors.js';

export function listOffsetsHandler(ctx: HandlerContext) {
  return (request: RequestOf<'listOffsets'>): Promise<ResponseOf<'listOffsets'>> => {
    try {
      const partition = ctx.partitions.leader(request.topic, request.partition);
      if (request.at === 'earliest') return Promise.resolve({ offset: partition.logStartOffset, timestamp: null });
      if (request.at === 'latest') return Promise.resolve({ offset: partition.highWatermark, timestamp: null });
      return Promise.resolve(partition.offsetForTimestamp(request.at));
    } catch (err) {
      return Promise.reject(wireErrorOf(ctx, err, 'listOffsets'));
    }
  };
}
