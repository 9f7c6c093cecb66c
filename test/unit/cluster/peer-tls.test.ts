import t from 'tap';
import { ConfigError } from '../../../broker/config-kinds.js';
import { brokerCertificateName, certificateNamesBroker, readPeerTls } from '../../../broker/cluster/peer-tls.js';

const subject = (CN: string | string[]): { subject: { CN: string } } => ({ subject: { CN } as { CN: string } });

void t.test('a peer certificate names a broker by CN broker-<id> or a DNS SAN broker-<id>', (t) => {
  t.equal(brokerCertificateName(3), 'broker-3');
  t.ok(certificateNamesBroker({ ...subject('broker-3'), subjectaltname: '' }, 3), 'by CN');
  t.ok(
    certificateNamesBroker({ ...subject('host.example'), subjectaltname: 'IP:10.0.0.3, DNS:broker-3' }, 3),
    'by SAN',
  );
  t.notOk(certificateNamesBroker({ ...subject('broker-3'), subjectaltname: '' }, 1), 'another id');
  t.notOk(certificateNamesBroker({ ...subject('broker-30'), subjectaltname: '' }, 3), 'no prefix match');
  t.notOk(certificateNamesBroker({ ...subject('x'), subjectaltname: 'DNS:broker-3.evil, URI:broker-3' }, 3));
  t.notOk(certificateNamesBroker({ ...subject(['broker-3', 'broker-1']), subjectaltname: '' }, 3), 'several CNs');
  t.end();
});

void t.test('peer TLS takes all three files or none', (t) => {
  t.equal(readPeerTls({ peerTlsCert: undefined, peerTlsKey: undefined, peerTlsCa: undefined }), undefined);
  t.throws(() => readPeerTls({ peerTlsCert: 'a.crt', peerTlsKey: 'a.key', peerTlsCa: undefined }), ConfigError);
  t.throws(() => readPeerTls({ peerTlsCert: undefined, peerTlsKey: undefined, peerTlsCa: 'ca.crt' }), ConfigError);
  t.throws(
    () => readPeerTls({ peerTlsCert: '/nonexistent.crt', peerTlsKey: '/k', peerTlsCa: '/c' }),
    /cannot read peer TLS file \/nonexistent\.crt/,
  );
  t.end();
});
