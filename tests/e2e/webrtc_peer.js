// SPDX-License-Identifier: GPL-2.0
// One side of a real WebRTC session (werift: ICE, DTLS, SCTP data channel,
// SRTP) for tests/e2e/guard.sh. The answerer runs behind the filter with
// its ICE ports in a guarded range; the offerer connects to its TCP
// signalling port. Each side sends "ready" on the data channel once the
// channel is open and the DTLS transport its RTP goes out on is connected
// (SRTP keys in place both ways), and starts COUNT data-channel messages
// and COUNT RTP packets once it is ready and has the other's "ready": no
// RTP is sent before the other side can decrypt it, however slow the
// machine. Each prints one JSON line with what it received and the states
// it saw, and exits 0 when it received everything, 1 otherwise.
//
//   node webrtc_peer.js answer --family 4|6 --signal PORT --ports FIRST-LAST --count N
//   node webrtc_peer.js offer  --family 4|6 --signal HOST:PORT --count N
// Every wait is bounded (--seconds, default 60).
"use strict";
const net = require("net");
const {
	RTCPeerConnection,
	MediaStreamTrack,
	RtpPacket,
	RtpHeader,
} = require("werift");

const args = { count: 50, seconds: 60 };
const argv = process.argv.slice(2);
args.role = argv.shift();
for (let i = 0; i < argv.length; i += 2)
	args[argv[i].replace(/^--/, "")] = argv[i + 1];
const count = Number(args.count);
const v6 = args.family === "6";

const got = { role: args.role, dc: new Set(), rtp: new Set(), ready: false,
	peerReady: false, sent: 0 };
let session = null; // { pc, tr, dc } once the data channel exists
function report(ok) {
	const pc = session && session.pc;
	console.log(JSON.stringify({ role: got.role, ready: got.ready,
		dc: got.dc.size, rtp: got.rtp.size, ok, sent: got.sent,
		peer_ready: got.peerReady,
		ice: pc ? pc.iceConnectionState : null,
		pc: pc ? pc.connectionState : null,
		dtls: pc ? mediaDtls(session.tr) : null }));
	process.exit(ok ? 0 : 1);
}
// The state of the DTLS transport the RTP goes out on.
function mediaDtls(tr) {
	return tr.sender.dtlsTransport ? tr.sender.dtlsTransport.state : "none";
}
setTimeout(() => report(false), Number(args.seconds) * 1000);
// Everything received, and everything of ours sent.
function done() {
	return got.dc.size >= count && got.rtp.size >= count && got.sent >= count;
}

function peer() {
	const config = { iceUseIpv4: !v6, iceUseIpv6: v6 };
	if (args.ports) {
		const [a, b] = args.ports.split("-").map(Number);
		config.icePortRange = [a, b];
	}
	const pc = new RTCPeerConnection(config);
	const track = new MediaStreamTrack({ kind: "video" });
	const tr = pc.addTransceiver(track, { direction: "sendrecv" });
	tr.onTrack.subscribe((remote) => {
		remote.onReceiveRtp.subscribe((rtp) => {
			got.rtp.add(rtp.header.sequenceNumber);
			if (done()) finish();
		});
	});
	return { pc, track, tr };
}

// Send N RTP packets and N messages, spaced so that no queue overflows.
function sendAll(track, dc) {
	let i = 0;
	const t = setInterval(() => {
		if (i >= count) return clearInterval(t);
		const header = new RtpHeader({ payloadType: 96, sequenceNumber: 1000 + i,
			timestamp: i * 3000, marker: true });
		track.writeRtp(new RtpPacket(header, Buffer.alloc(200, i & 0xff)));
		dc.send(`${args.role}-${i}`);
		got.sent = ++i;
		if (done()) finish();
	}, 20);
}

/*
 * Ready: the data channel DC is open and the DTLS transport of the RTP
 * sender is connected. (Not pc.connectionState: werift sets "connected"
 * only after its own SCTP start resolves, and on a slow machine the
 * association can come up first, from the other side's INIT, and then the
 * state stays "connecting" although every transport is up.) Checked every
 * 50 ms until the overall deadline; "ready" is sent once.
 */
function whenReady(track, tr, dc) {
	session = { pc: session.pc, tr, dc };
	let said = false, sending = false;
	const t = setInterval(() => {
		if (!said && dc.readyState === "open" &&
		    mediaDtls(tr) === "connected") {
			got.ready = true;
			dc.send("ready");
			said = true;
		}
		if (said && got.peerReady && !sending) {
			sending = true;
			clearInterval(t);
			sendAll(track, dc);
		}
	}, 50);
}

let finished = false;
function finish() {
	if (finished) return;
	finished = true;
	// Let the last packets of ours reach the other side before leaving.
	setTimeout(() => report(true), 2000);
}

function onMessage(dc) {
	dc.onMessage.subscribe((m) => {
		const text = m.toString();
		if (text === "ready") {
			got.peerReady = true;
			return;
		}
		got.dc.add(text);
		if (done()) finish();
	});
}

function lines(sock, cb) {
	let buf = "";
	sock.on("data", (d) => {
		buf += d.toString();
		let n;
		while ((n = buf.indexOf("\n")) >= 0) {
			cb(buf.slice(0, n));
			buf = buf.slice(n + 1);
		}
	});
}

async function answer() {
	const { pc, track, tr } = peer();
	session = { pc, tr, dc: null };
	const server = net.createServer((sock) => {
		lines(sock, async (line) => {
			await pc.setRemoteDescription(JSON.parse(line));
			await pc.setLocalDescription(await pc.createAnswer());
			sock.write(JSON.stringify(pc.localDescription) + "\n");
		});
	});
	pc.onDataChannel.subscribe((dc) => {
		onMessage(dc);
		whenReady(track, tr, dc);
	});
	server.listen(Number(args.signal), v6 ? "::" : "0.0.0.0", () =>
		console.error("ready"));
}

async function offer() {
	const { pc, track, tr } = peer();
	session = { pc, tr, dc: null };
	const dc = pc.createDataChannel("e2e");
	onMessage(dc);
	whenReady(track, tr, dc);
	await pc.setLocalDescription(await pc.createOffer());
	const i = args.signal.lastIndexOf(":");
	const sock = net.connect(Number(args.signal.slice(i + 1)),
		args.signal.slice(0, i).replace(/^\[|\]$/g, ""));
	sock.on("error", () => report(false));
	lines(sock, (line) => pc.setRemoteDescription(JSON.parse(line)));
	sock.write(JSON.stringify(pc.localDescription) + "\n");
}

(args.role === "answer" ? answer : offer)().catch((e) => {
	console.error(e);
	report(false);
});
