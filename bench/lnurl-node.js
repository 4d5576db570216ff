// bench/lnurl-node.js: the peer of the benchmark, lnurl-node (npm "lnurl", installed by
// bench/run.sh into bench/.node/) with its built-in "dummy" Lightning backend and the
// default in-memory store, as its README's createServer example.
//
//   node bench/lnurl-node.js PORT PUBLIC_URL OUT_FILE
//
// Listens on 127.0.0.1:PORT (nginx proxies to it), creates one payRequest URL that may be
// used any number of times (uses: 0) with the same amounts as swgr's offer, and writes its
// first-call path (/lnurl?q=SECRET) and callback path (/lnurl/SECRET) to OUT_FILE.
'use strict';
const path = require('path');
const fs = require('fs');
const lnurl = require(path.join(__dirname, '.node', 'node_modules', 'lnurl'));

const [port, publicUrl, out] = process.argv.slice(2);
const server = lnurl.createServer({
	host: '127.0.0.1',
	port: Number(port),
	url: publicUrl,
	endpoint: '/lnurl',
	lightning: { backend: 'dummy', config: {} },
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
