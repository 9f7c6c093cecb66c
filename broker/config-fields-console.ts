/**
 * The browser console's row of the broker config table (config-fields.ts spreads it in after the transport rows):
 * where the files the broker serves at `/` on its WebSocket/HTTP port come from.
 */
import { optionalTextField } from './config-kinds.js';

export const CONSOLE_CONFIG_FIELDS = {
  consoleDir: optionalTextField({
    doc:
      'directory of the browser console served at `/` on the WebSocket/HTTP port (`index.html`, `console.js`, as ' +
      '`make build` writes them)',
    defaultText: 'dist/console of the installed broker',
    arg: 'dir',
    pattern: /^[^\0]+$/,
  }),
};
