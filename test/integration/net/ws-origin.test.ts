/**
 * The WebSocket upgrade checks the Origin a browser sends (issue 11: any web page could drive a broker on
 * 127.0.0.1): real sockets that send an Origin header, against real servers.
 */
import t from 'tap';
import WebSocket from 'ws';
import { startTestServers } from './helpers.js';

/** Opens a WebSocket to `port` sending `origin` (none when undefined): the HTTP status of a refusal, or 101. */
function upgradeStatus(port: number, origin: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${String(port)}/`, origin === undefined ? {} : { origin });
    ws.once('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', (err) => {
      reject(err);
    });
  });
}

void t.test('by default, a cross-origin browser upgrade is refused with 403', async (t) => {
  const { servers } = await startTestServers(t);
  const port = servers.wsPort;
  t.equal(await upgradeStatus(port, 'https://evil.example'), 403, 'a page from another site is refused');
  t.equal(await upgradeStatus(port, `http://localhost:${String(port + 1)}`), 403, 'another port of this host too');
  t.equal(await upgradeStatus(port, `http://127.0.0.1:${String(port)}`), 101, "the broker's own origin is let in");
  t.equal(await upgradeStatus(port, undefined), 101, 'a client sending no Origin (not a browser) is let in');
});

void t.test('--ws-allowed-origins lets the listed origins in, and only them', async (t) => {
  const { servers } = await startTestServers(t, {}, { allowedOrigins: ['https://app.example.com'] });
  const port = servers.wsPort;
  t.equal(await upgradeStatus(port, 'https://app.example.com'), 101, 'the listed origin is let in');
  t.equal(await upgradeStatus(port, 'https://evil.example'), 403, 'another one is still refused');
});
