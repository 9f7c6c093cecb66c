/**
 * The TLS rows of the broker config table (config-fields.ts spreads them in place, after the listener ports).
 */
import type { ConfigField } from './config-kinds.js';

export const TLS_CONFIG_FIELDS = {} as const satisfies Record<string, ConfigField<unknown>>;
