// bench/lnurl-node.js: the peer of the benchmark, lnurl-node (npm "lnurl", installed by
// bench/run.sh into bench/.node/) with the default in-memory store, as its README's
// createServer example, and one of two Lightning backends:
//
//   node bench/lnurl-node.js PORT PUBLIC_URL OUT_FILE lnd REST_URL TLS_CERT MACAROON
//   node bench/lnurl-node.js PORT PUBLIC_URL OUT_FILE dummy
//
// lnd (what bench/run.sh uses): lnurl-node's "lnd" backend, LND's REST API at REST_URL
// (https://localhost:R/, a node simulator started with --rest-port R), verifying the
// node's TLS_CERT and sending MACAROON (a file) in hex in Grpc-Metadata-macaroon.
// Every callback makes one POST /v1/invoices there: the invoice is made and signed out
// of this process, as swgr's are by its simulators over gRPC.
// dummy: lnurl-node's built-in "dummy" backend, which makes and signs a fake invoice in
// this process (what the benchmark used before; kept for comparison).
//
// Listens on 127.0.0.1:PORT (nginx proxies to it), creates one payRequest URL that may be
// used any number of times (uses: 0) with the same amounts as swgr's offer, and writes its
// first-call path (/lnurl?q=SECRET) and callback path (/lnurl/SECRET) to OUT_FILE.
'use strict';
const path = require('path');
const fs = require('fs');
const dns = require('dns');
const https = require('https');
const lnurl = require(path.join(__dirname, '.node', 'node_modules', 'lnurl'));

// "localhost" (the name in the simulator's certificate) to 127.0.0.1, where it listens.
dns.setDefaultResultOrder('ipv4first');
// The lnd backend's HTTPS requests go through Node's global agent: kept connections, but
// closed after 5 s idle.  The benchmark runs lnurl-node's callback slices with swgr's in
// between, more than 5 s apart, so every slice would open its ~64 TLS connections to the
// node again (measured: 1.6-4.4 ms of CPU per callback in 2 s slices, against 0.5-0.6 ms
// with the connections kept), while swgr keeps its gRPC channels (gRPC's client idle
// timeout: 30 min).  Here idle connections are kept as long: under steady load neither
// side reconnects.  LNURL_NODE_IDLE_MS sets it (5000: Node's default).
const idle = Number(process.env.LNURL_NODE_IDLE_MS || 30 * 60 * 1000);
https.globalAgent = new https.Agent({ keepAlive: true, timeout: idle, scheduling: 'lifo' });

const [port, publicUrl, out, backend = 'lnd', restUrl, cert, macaroon] = process.argv.slice(2);
let lightning;
if (backend === 'lnd') {
	if (!restUrl || !cert || !macaroon) {
		console.error('usage: lnurl-node.js PORT PUBLIC_URL OUT_FILE lnd REST_URL TLS_CERT MACAROON');
		process.exit(2);
	}
	lightning = { backend: 'lnd', config: { baseUrl: restUrl, cert, macaroon } };
} else if (backend === 'dummy') {
	lightning = { backend: 'dummy', config: {} };
} else {
	console.error(`unknown backend ${backend}: lnd or dummy`);
	process.exit(2);
}
const server = lnurl.createServer({
	host: '127.0.0.1',
	port: Number(port),
	url: publicUrl,
	endpoint: '/lnurl',
	lightning,
	store: { backend: 'memory', config: {} },
	payRequest: { commentAllowed: 0 },
});
server.onReady().then(() => server.generateNewUrl('payRequest', {
	minSendable: 1000,
	maxSendable: 100000000,
	metadata: '[["text/plain","Pay to the swgr benchmark"]]',
}, { uses: 0 })).then(({ secret }) => {
	fs.writeFileSync(out, `/lnurl?q=${secret}\n/lnurl/${secret}\n`);
}).catch(err => {
	console.error(err);
	process.exit(1);
});
process.on('SIGTERM', () => server.close().then(() => process.exit(0), () => process.exit(0)));
