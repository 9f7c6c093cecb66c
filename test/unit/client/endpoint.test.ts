import t from 'tap';
import { brokerEndpoint, endpointName, parseBootstrap, parseEndpoint } from '../../../client/endpoint.js';

void t.test('host:port is TCP, ws:// and wss:// are WebSocket', (t) => {
  t.same(parseEndpoint('localhost:9092'), { kind: 'tcp', host: 'localhost', port: 9092, tls: false });
  t.same(parseEndpoint(' 10.0.0.1:1 '), { kind: 'tcp', host: '10.0.0.1', port: 1, tls: false });
  t.same(parseEndpoint('[::1]:9092'), { kind: 'tcp', host: '::1', port: 9092, tls: false });
  t.same(parseEndpoint('ws://localhost:9093'), { kind: 'ws', url: 'ws://localhost:9093/' });
  t.same(parseEndpoint('wss://brook.example/ws'), { kind: 'ws', url: 'wss://brook.example/ws' });
  t.end();
});

void t.test('malformed addresses are refused with the option name', (t) => {
  for (const bad of ['localhost', 'localhost:0', 'localhost:70000', 'http://x:1', ':9092', 'ws://']) {
    t.throws(() => parseEndpoint(bad), TypeError, bad);
  }
  t.throws(() => parseBootstrap([]), /no broker address/);
  t.end();
});

void t.test('bootstrap lists and comma-separated strings', (t) => {
  t.equal(parseBootstrap('a:1,b:2').length, 2);
  t.equal(parseBootstrap(['a:1', 'ws://b:2']).length, 2);
  t.end();
});

void t.test('other brokers are reached like the bootstrap', (t) => {
  const broker = { host: 'b2', port: 9192, wsPort: 9193 };
  t.same(brokerEndpoint(broker, parseEndpoint('a:1')), { kind: 'tcp', host: 'b2', port: 9192, tls: false });
  t.same(brokerEndpoint(broker, parseEndpoint('wss://a:1/brook')), { kind: 'ws', url: 'wss://b2:9193/brook' });
  t.equal(endpointName({ kind: 'tcp', host: '::1', port: 5, tls: false }), '[::1]:5');
  t.end();
});

void t.test('tls://host:port is TCP with TLS, and other brokers are reached with TLS too', (t) => {
  const endpoint = parseEndpoint('TLS://[::1]:9400');
  t.same(endpoint, { kind: 'tcp', host: '::1', port: 9400, tls: true });
  t.equal(endpointName(endpoint), 'tls://[::1]:9400', 'the name keeps the scheme, so errors say TLS was used');
  t.same(brokerEndpoint({ host: 'b2', port: 9192, wsPort: 9193 }, endpoint), {
    kind: 'tcp',
    host: 'b2',
    port: 9192,
    tls: true,
  });
  t.throws(() => parseEndpoint('tls://localhost'), TypeError, 'a port is still needed');
  t.throws(() => parseEndpoint('tls://ws://a:1'), TypeError);
  t.end();
});
