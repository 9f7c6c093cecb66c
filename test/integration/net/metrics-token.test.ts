/** `--metrics-token-file`: GET /metrics asks for the bearer token; the health endpoints stay open for probes. */
import t from 'tap';
import { httpGet } from '../../helpers/http.js';
import { startTestServers } from './helpers.js';

const TOKEN = 's3cret-token';

void t.test('with a token, /metrics answers 401 without it and 200 with it', async (t) => {
  const { servers, ready } = await startTestServers(t, {}, { metricsToken: TOKEN });
  ready.value = true;
  const port = servers.wsPort;
  const bare = await httpGet(port, '/metrics');
  t.equal(bare.status, 401, 'no Authorization header: 401');
  t.notMatch(bare.body, /brook_test_total/, 'and no metrics in the body');
  const wrong = await httpGet(port, '/metrics', 10_000, undefined, { authorization: 'Bearer s3cret-tokeN' });
  t.equal(wrong.status, 401, 'a wrong token: 401');
  const right = await httpGet(port, '/metrics', 10_000, undefined, { authorization: `Bearer ${TOKEN}` });
  t.equal(right.status, 200, 'the token: 200');
  t.match(right.body, /brook_test_total 1/, 'with the metrics');
  t.equal((await httpGet(port, '/healthz')).status, 200, '/healthz needs no token');
  t.equal((await httpGet(port, '/readyz')).status, 200, '/readyz needs no token');
});

void t.test('without a token, /metrics stays open', async (t) => {
  const { servers } = await startTestServers(t);
  t.equal((await httpGet(servers.wsPort, '/metrics')).status, 200);
});
