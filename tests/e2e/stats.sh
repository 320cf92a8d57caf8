#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `xdp-reflector stats` against real traffic: a client namespace sends known
# numbers of UDP datagrams, TCP SYNs, pings and ARP to a server namespace
# running reflector-caddy; every figure of `stats --json`, `--ports`,
# `--prometheus` (checked by promtool) and `--textfile` (scraped from a real
# node_exporter) must equal what was sent. Also --watch, SIGINT, errors.
# Traffic flows only between the two namespaces made here; every loop is
# bounded; the trap removes everything on every exit path.
set -u
. "$(dirname "$0")/../lib.sh"
need_root

SRV=xr-stats-s-$$
CLI=xr-stats-c-$$
SRV_IF=veth-s
CLI_IF=veth-c
SRV4=192.0.2.1
CLI4=192.0.2.2
TMP=$(mktemp -d)
PINS=$TMP/bpf
TXT=$TMP/textfile
PIDS=()
MOUNTED=""
LOADED=""
LOADED2=""

# Exact traffic: K datagrams to an allowed UDP port, M to a dropped one.
K=20 K_PAYLOAD=100
M=15 M_PAYLOAD=200
SYNS=3 # connect attempts to 6379 (dropped)
PINGS=3
# Ethernet frame = 14 + IPv4 20 + UDP 8 + payload; veth neither pads nor tags.
K_FRAME=$((14 + 20 + 8 + K_PAYLOAD))
M_FRAME=$((14 + 20 + 8 + M_PAYLOAD))
PING_FRAME=$((14 + 20 + 8 + 56)) # ping's default 56 bytes of data

cleanup() {
	local pid
	trap - EXIT INT TERM
	[ -n "$LOADED" ] && srv "$XR_BIN" detach $SRV_IF --pin-dir "$PINS" >/dev/null 2>&1
	[ -n "$LOADED2" ] && srv "$XR_BIN" detach veth-t --pin-dir "$PINS" >/dev/null 2>&1
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
	[ -n "$MOUNTED" ] && umount "$PINS" 2>/dev/null
	ip netns del $SRV 2>/dev/null
	ip netns del $CLI 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

srv() { nsenter --net=/run/netns/$SRV "$@"; }
cli() { nsenter --net=/run/netns/$CLI "$@"; }
xr() { "$XR_BIN" "$@" --pin-dir "$PINS"; }
# Wait for a PID we started and stop tracking it, so cleanup never signals
# a number the system may have reused.
reap() {
	local i rc
	wait "$1"
	rc=$?
	for i in "${!PIDS[@]}"; do [ "${PIDS[$i]}" = "$1" ] && unset "PIDS[$i]"; done
	return $rc
}

# With CI=true nothing may skip: a missing tool is a failure there.
skip_or_fail() {
	if [ "${CI:-}" = "true" ]; then not_ok "$1" "$2"; else skip "$1" "$2"; fi
}

# ---- helpers in python3 (stdlib) -----------------------------------------
cat >"$TMP/peer.py" <<'PY'
import socket, sys, time

def server(counts_file, lifetime):
    # UDP 44250 counts datagrams; TCP 443 accepts and reads. Bounded life.
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("0.0.0.0", 44250))
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind(("0.0.0.0", 443))
    t.listen(16)
    open(counts_file + ".ready", "w").close()
    import selectors
    sel = selectors.DefaultSelector()
    sel.register(u, selectors.EVENT_READ, "udp")
    sel.register(t, selectors.EVENT_READ, "tcp")
    n = 0
    end = time.monotonic() + lifetime
    while time.monotonic() < end:
        for key, _ in sel.select(timeout=0.2):
            if key.data == "udp":
                u.recvfrom(65535)
                n += 1
                with open(counts_file, "w") as f:
                    f.write(str(n))
            else:
                c, _ = t.accept()
                c.settimeout(1)
                try:
                    c.recv(100)
                except OSError:
                    pass
                c.close()

def udp(host, port, count, size):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for _ in range(count):
        # RTP's first byte: the media range is guard: webrtc (RFC 7983).
        s.sendto(b"\x80" + b"x" * (size - 1), (host, port))
        time.sleep(0.002)

def syn(host, port, count):
    # Each attempt times out before the first retransmission (1 s).
    for _ in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(0.3)
        try:
            s.connect((host, port))
            sys.exit("connected to a port that should drop")
        except socket.timeout:
            pass
        s.close()

def tcp(host, port):
    s = socket.create_connection((host, port), timeout=10)
    s.sendall(b"hello")
    s.close()

def udp_when(flag, host, port, count, size):
    # Started early (a Python start may take seconds on a busy machine),
    # sends the moment the test creates FLAG. Bounded: 120 s.
    end = time.monotonic() + 120
    import os
    while not os.path.exists(flag) and time.monotonic() < end:
        time.sleep(0.01)
    udp(host, port, count, size)

cmd = sys.argv[1]
if cmd == "udp_when":
    udp_when(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]))
elif cmd == "server":
    server(sys.argv[2], float(sys.argv[3]))
elif cmd == "udp":
    udp(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
elif cmd == "syn":
    syn(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
elif cmd == "tcp":
    tcp(sys.argv[2], int(sys.argv[3]))
PY

# jv FILE EXPR: evaluate EXPR over the JSON document d, with helpers:
#   rule(proto, first) port(proto, n) cls(name) top(proto, port)
cat >"$TMP/jv.py" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
def rule(p, first):
    return next(r for r in d["rules"] if r["protocol"] == p and r["first_port"] == first)
def port(p, n):
    return next(r for r in d["ports"] if r["protocol"] == p and r["port"] == n)
def cls(name):
    return d["classes"][name]
def top(p, n):
    return next(r for r in d["top_dropped"] if r["protocol"] == p and r["port"] == n)
try:
    v = eval(sys.argv[2])
except (StopIteration, KeyError, IndexError, TypeError) as e:
    v = "missing (%s)" % type(e).__name__
print(v)
PY
jv() { python3 "$TMP/jv.py" "$@"; }

# pv FILE NAME label=value...: the value of the one series with those labels.
cat >"$TMP/pv.py" <<'PY'
import re, sys
want = dict(a.split("=", 1) for a in sys.argv[3:])
line_re = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)')
label_re = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
found = []
for line in open(sys.argv[1]):
    m = line_re.match(line)
    if not m or m.group(1) != sys.argv[2]:
        continue
    labels = {k: v.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
              for k, v in label_re.findall(m.group(2) or "")}
    if all(labels.get(k) == v for k, v in want.items()):
        found.append(float(m.group(3)))
if len(found) != 1:
    print("%d series" % len(found))
else:
    v = found[0]
    print(int(v) if v == int(v) else v)
PY
pv() { python3 "$TMP/pv.py" "$@"; }

# ---- namespaces, veth, bpffs, filter --------------------------------------
setup() {
	ip netns add $SRV && ip netns add $CLI || return 1
	# No IPv6: its neighbour discovery and MLD would add ICMP we did not send.
	srv sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 &&
		cli sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 &&
		ip link add $SRV_IF netns $SRV type veth peer name $CLI_IF netns $CLI &&
		ip -n $SRV addr add $SRV4/24 dev $SRV_IF &&
		ip -n $CLI addr add $CLI4/24 dev $CLI_IF &&
		ip -n $SRV link set lo up && ip -n $CLI link set lo up &&
		ip -n $SRV link set $SRV_IF up && ip -n $CLI link set $CLI_IF up || return 1
	mkdir -p "$PINS" "$TXT" && mount -t bpf bpf "$PINS" && MOUNTED=1
}
if ! setup; then
	not_ok "set up namespaces, veth and bpffs"
	finish
	exit 1
fi

# nsenter itself, not the srv function: $! must be the listener's PID.
nsenter --net=/run/netns/$SRV python3 "$TMP/peer.py" server "$TMP/udp-count" 900 &
PIDS+=($!)
for _ in $(seq 600); do [ -f "$TMP/udp-count.ready" ] && break; sleep 0.1; done

if srv "$XR_BIN" load $SRV_IF reflector-caddy --pin-dir "$PINS" >"$TMP/load.out" 2>&1; then
	LOADED=1
	ok "load reflector-caddy on $SRV_IF"
else
	not_ok "load reflector-caddy on $SRV_IF" "$(cat "$TMP/load.out")"
	finish
	exit 1
fi

# ---- traffic --------------------------------------------------------------
# Pings first: they also resolve ARP, so no datagram waits in a queue.
cli ping -q -c $PINGS -i 0.2 -W 1 $SRV4 >/dev/null 2>&1
cli python3 "$TMP/peer.py" udp $SRV4 44250 $K $K_PAYLOAD
cli python3 "$TMP/peer.py" udp $SRV4 5432 $M $M_PAYLOAD
check "tcp 6379: $SYNS connect attempts time out" cli python3 "$TMP/peer.py" syn $SRV4 6379 $SYNS
check "tcp 443 connects" cli python3 "$TMP/peer.py" tcp $SRV4 443
for _ in $(seq 300); do [ "$(cat "$TMP/udp-count" 2>/dev/null)" = $K ] && break; sleep 0.1; done
expect_eq "listener received the $K datagrams" "$(cat "$TMP/udp-count" 2>/dev/null)" $K

# ---- stats --json -----------------------------------------------------------
J=$TMP/stats.json
if xr stats $SRV_IF --json >"$J" 2>"$TMP/err"; then ok "stats --json exits 0"; else not_ok "stats --json exits 0" "$(cat "$TMP/err")"; fi
expect_eq "json: interface" "$(jv "$J" 'd["interface"]')" $SRV_IF
expect_eq "json: profile" "$(jv "$J" 'd["profile"]')" reflector-caddy
expect_eq "json: digest is 16 hex digits" "$(jv "$J" 'len(d["digest"]) == 16 and int(d["digest"], 16) >= 0')" True
expect_eq "json: rule udp 44200-44300 passed packets" "$(jv "$J" 'rule("udp", 44200)["passed"]["packets"]')" $K
expect_eq "json: rule udp 44200-44300 passed bytes" "$(jv "$J" 'rule("udp", 44200)["passed"]["bytes"]')" $((K * K_FRAME))
expect_eq "json: rule udp 44200-44300 is one row" "$(jv "$J" 'rule("udp", 44200)["last_port"]')" 44300
expect_eq "json: rule udp 44200-44300 dropped" "$(jv "$J" 'rule("udp", 44200)["dropped"]["packets"]')" 0
expect_eq "json: rule tcp 443 passed >= 3 (SYN, ACK, data)" "$(jv "$J" 'rule("tcp", 443)["passed"]["packets"] >= 3')" True
expect_eq "json: rule tcp 443 dropped" "$(jv "$J" 'rule("tcp", 443)["dropped"]["packets"]')" 0
expect_eq "json: rule tcp 80 untouched" "$(jv "$J" 'rule("tcp", 80)["passed"]["packets"] + rule("tcp", 80)["dropped"]["packets"]')" 0
expect_eq "json: other udp ports dropped packets" "$(jv "$J" 'd["other_ports"]["udp"]["dropped"]["packets"]')" $M
expect_eq "json: other udp ports dropped bytes" "$(jv "$J" 'd["other_ports"]["udp"]["dropped"]["bytes"]')" $((M * M_FRAME))
expect_eq "json: other tcp ports: >= $SYNS SYNs dropped, none passed" \
	"$(jv "$J" 'd["other_ports"]["tcp"]["dropped"]["packets"] >= '$SYNS' and d["other_ports"]["tcp"]["passed"]["packets"] == 0')" True
expect_eq "json: icmp passed packets" "$(jv "$J" 'cls("icmp")["passed"]["packets"]')" $PINGS
expect_eq "json: icmp passed bytes" "$(jv "$J" 'cls("icmp")["passed"]["bytes"]')" $((PINGS * PING_FRAME))
expect_eq "json: icmp dropped" "$(jv "$J" 'cls("icmp")["dropped"]["packets"]')" 0
expect_eq "json: non-IP (ARP) passed >= 1, none dropped" \
	"$(jv "$J" 'cls("non_ip")["passed"]["packets"] >= 1 and cls("non_ip")["dropped"]["packets"] == 0')" True
expect_eq "json: non-IP bytes are 42-byte ARP frames" \
	"$(jv "$J" 'cls("non_ip")["passed"]["bytes"] == 42 * cls("non_ip")["passed"]["packets"]')" True
for c in fragment other_ip malformed reply; do
	expect_eq "json: class $c is zero" \
		"$(jv "$J" 'sum(v for h in cls("'$c'").values() for v in h.values())')" 0
done
expect_eq "json: top_dropped udp 5432 packets" "$(jv "$J" 'top("udp", 5432)["packets"]')" $M
expect_eq "json: top_dropped udp 5432 bytes" "$(jv "$J" 'top("udp", 5432)["bytes"]')" $((M * M_FRAME))
expect_eq "json: top_dropped tcp 6379 >= $SYNS" "$(jv "$J" 'top("tcp", 6379)["packets"] >= '$SYNS)" True
expect_eq "json: top_dropped ranks udp 5432 first" "$(jv "$J" 'd["top_dropped"][0]["port"]')" 5432
expect_eq "json: no ports array without --ports" "$(jv "$J" '"ports" in d')" False

J2=$TMP/ports.json
xr stats $SRV_IF --ports --json >"$J2" 2>/dev/null
expect_eq "ports json: udp 44250 passed packets" "$(jv "$J2" 'port("udp", 44250)["passed"]["packets"]')" $K
expect_eq "ports json: udp 44250 passed bytes" "$(jv "$J2" 'port("udp", 44250)["passed"]["bytes"]')" $((K * K_FRAME))
expect_eq "ports json: udp 44250 service" "$(jv "$J2" 'port("udp", 44250)["service"]')" "LiveKit WebRTC media"
expect_eq "ports json: udp 5432 dropped packets" "$(jv "$J2" 'port("udp", 5432)["dropped"]["packets"]')" $M
expect_eq "ports json: udp 5432 dropped bytes" "$(jv "$J2" 'port("udp", 5432)["dropped"]["bytes"]')" $((M * M_FRAME))
expect_eq "ports json: tcp 6379 dropped >= $SYNS, passed 0" \
	"$(jv "$J2" 'port("tcp", 6379)["dropped"]["packets"] >= '$SYNS' and port("tcp", 6379)["passed"]["packets"] == 0')" True
expect_eq "ports json: only ports with traffic (udp 44250, 5432, tcp 443, 6379)" \
	"$(jv "$J2" 'sorted((p["protocol"], p["port"]) for p in d["ports"])')" \
	"[('tcp', 443), ('tcp', 6379), ('udp', 5432), ('udp', 44250)]"

JA=$TMP/all.json
xr stats --json >"$JA" 2>/dev/null
expect_eq "no IFACE: a JSON array of one object per interface" "$(jv "$JA" '[o["interface"] for o in d]')" "['$SRV_IF']"

# ---- the table ------------------------------------------------------------
xr stats $SRV_IF >"$TMP/table" 2>&1
expect_eq "table: the udp range is one row" "$(grep -c '44200-44300' "$TMP/table")" 1
expect_eq "table: classes listed" "$(grep -cE '^(non-IP|ICMP|fragments|other IP|malformed|replies) ' "$TMP/table")" 6
expect_eq "table: udp 5432 in the top dropped" "$(grep -cE '^- +udp +5432 +'$M' ' "$TMP/table")" 1

# ---- cost: one read of every counter (2 x 65536 per-CPU slots), printed ----
# CPU time (user + sys) of the whole command, not wall time: busy CPUs delay
# it, they do not make it do more work. Wall time is printed too.
best="" wall=""
TIMEFORMAT='%3U %3S'
for _ in 1 2 3; do
	read -r u sy < <({ time xr stats $SRV_IF --json >/dev/null 2>&1; } 2>&1)
	cpu=$(awk -v u="$u" -v s="$sy" 'BEGIN { print (u + s) * 1000 }')
	ms=$(xr stats $SRV_IF --json -v 2>&1 >/dev/null | sed -n 's/.*counters read in \([0-9.]*\) ms.*/\1/p')
	[ -n "$cpu" ] && { [ -z "$best" ] || awk "BEGIN{exit !($cpu < $best)}"; } && best=$cpu
	[ -n "$ms" ] && { [ -z "$wall" ] || awk "BEGIN{exit !($ms < $wall)}"; } && wall=$ms
done
unset TIMEFORMAT
echo "# stats --json: ${best:-?} ms of CPU for the whole command, counters read in ${wall:-?} ms wall (best of 3, $(nproc) CPUs)"
# A figure, not a check: speed targets live in `make bench`, and CPU time
# too grows on a machine whose other CPU is busy (caches, frequency).
expect_eq "stats --json ran (its CPU time measured)" "$([ -n "$best" ] && echo yes)" yes

# ---- Prometheus -----------------------------------------------------------
P=$TMP/stats.prom
xr stats $SRV_IF --prometheus >"$P" 2>&1
if command -v promtool >/dev/null; then
	check "promtool check metrics accepts --prometheus" sh -c "promtool check metrics <'$P'"
else
	skip_or_fail "promtool check metrics accepts --prometheus" "promtool not installed (Debian: prometheus)"
fi
rule_labels=(interface=$SRV_IF protocol=udp port=44200-44300 "service=LiveKit WebRTC media")
expect_eq "prom: udp 44200-44300 pass packets" "$(pv "$P" xdp_reflector_packets_total "${rule_labels[@]}" verdict=pass)" $K
expect_eq "prom: udp 44200-44300 pass bytes" "$(pv "$P" xdp_reflector_bytes_total "${rule_labels[@]}" verdict=pass)" $((K * K_FRAME))
expect_eq "prom: udp other ports drop packets" "$(pv "$P" xdp_reflector_packets_total interface=$SRV_IF protocol=udp port=other verdict=drop)" $M
expect_eq "prom: icmp pass packets" "$(pv "$P" xdp_reflector_class_packets_total interface=$SRV_IF class=icmp verdict=pass)" $PINGS
expect_eq "prom: icmp pass bytes" "$(pv "$P" xdp_reflector_class_bytes_total interface=$SRV_IF class=icmp verdict=pass)" $((PINGS * PING_FRAME))
expect_eq "prom: top dropped udp 5432" "$(pv "$P" xdp_reflector_top_dropped_packets interface=$SRV_IF protocol=udp port=5432)" $M
expect_eq "prom: policy info" "$(pv "$P" xdp_reflector_policy_info interface=$SRV_IF profile=reflector-caddy)" 1
expect_eq "prom: loaded timestamp is recent" \
	"$(awk -v t="$(pv "$P" xdp_reflector_policy_loaded_timestamp_seconds interface=$SRV_IF)" -v now="$(date +%s)" 'BEGIN{print (t > now - 600 && t <= now)}')" 1
expect_eq "prom: bounded: no per-port series" "$(grep -c 'port="44250"' "$P")" 0
expect_eq "prom: one HELP and one TYPE per family" \
	"$(grep -c '^# HELP' "$P") $(grep -c '^# TYPE' "$P")" "12 12"

# ---- --textfile, scraped by a real node_exporter ----------------------------
echo stale >"$TXT/xdp_reflector_nosuch.prom"
xr stats nosuch --textfile "$TXT" >/dev/null 2>&1
rc=$?
expect_eq "textfile: not loaded -> exit 1 and the stale file is removed" \
	"$rc $([ -e "$TXT/xdp_reflector_nosuch.prom" ] && echo kept || echo removed)" "1 removed"
check "stats --textfile writes" xr stats $SRV_IF --textfile "$TXT"
expect_eq "textfile: only the .prom file is left (no temp file)" "$(ls -A "$TXT")" "xdp_reflector_$SRV_IF.prom"
expect_eq "textfile: mode 0644" "$(stat -c %a "$TXT/xdp_reflector_$SRV_IF.prom")" 644
NE=$(command -v prometheus-node-exporter || command -v node_exporter)
if [ -n "$NE" ]; then
	NE_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"$NE" --web.listen-address=127.0.0.1:$NE_PORT --collector.disable-defaults \
		--collector.textfile --collector.textfile.directory="$TXT" >"$TMP/ne.log" 2>&1 &
	ne_pid=$!
	PIDS+=($ne_pid)
	S=$TMP/scrape
	for _ in $(seq 300); do
		python3 -c 'import sys, urllib.request; open(sys.argv[2], "wb").write(urllib.request.urlopen(sys.argv[1], timeout=1).read())' \
			"http://127.0.0.1:$NE_PORT/metrics" "$S" 2>/dev/null && break
		sleep 0.1
	done
	expect_eq "node_exporter: no textfile error" "$(pv "$S" node_textfile_scrape_error)" 0
	expect_eq "node_exporter: udp 44200-44300 pass packets" "$(pv "$S" xdp_reflector_packets_total "${rule_labels[@]}" verdict=pass)" $K
	expect_eq "node_exporter: udp 44200-44300 pass bytes" "$(pv "$S" xdp_reflector_bytes_total "${rule_labels[@]}" verdict=pass)" $((K * K_FRAME))
	expect_eq "node_exporter: top dropped udp 5432" "$(pv "$S" xdp_reflector_top_dropped_packets interface=$SRV_IF protocol=udp port=5432)" $M
	expect_eq "node_exporter: icmp pass packets" "$(pv "$S" xdp_reflector_class_packets_total interface=$SRV_IF class=icmp verdict=pass)" $PINGS
	kill $ne_pid 2>/dev/null
	reap $ne_pid
else
	skip_or_fail "node_exporter scrapes the textfile" "prometheus-node-exporter not installed"
fi

# ---- --watch ----------------------------------------------------------------
xr stats $SRV_IF --watch 1 --count 2 >"$TMP/watch" 2>&1
expect_eq "--watch 1 --count 2: two refreshes" "$(grep -c "^$SRV_IF: profile" "$TMP/watch")" 2
expect_eq "--watch: the second has rates" "$(grep -c 'rates over' "$TMP/watch")" 1
expect_eq "--watch: rate columns (rules, classes; top: drops)" \
	"$(grep -c 'PASS PKT/S' "$TMP/watch") $(grep -c 'DROP PKT/S' "$TMP/watch")" "2 3"

# Rates from deltas: 10 more datagrams land between two refreshes. The
# background jobs run the binary itself (not the xr function, a subshell),
# so that $! is its PID.
# The sender starts first and fires when the first refresh is out; the 3 s
# interval is far above the few ms it needs.
cli python3 "$TMP/peer.py" udp_when "$TMP/go" $SRV4 44250 10 $K_PAYLOAD &
spid=$!
PIDS+=($spid)
p0=$(cat "$TMP/udp-count" 2>/dev/null)
"$XR_BIN" stats $SRV_IF --watch 3 --count 2 --json --pin-dir "$PINS" >"$TMP/watch.json" 2>&1 &
wpid=$!
PIDS+=($wpid)
for _ in $(seq 600); do [ -s "$TMP/watch.json" ] && break; sleep 0.05; done
touch "$TMP/go"
reap $spid
reap $wpid
expect_eq "--watch --json: the 10 datagrams reached the listener" $(($(cat "$TMP/udp-count" 2>/dev/null) - p0)) 10
expect_eq "--watch --json: one document per refresh" "$(wc -l <"$TMP/watch.json")" 2
tail -n 1 "$TMP/watch.json" >"$TMP/w2.json"
expect_eq "--watch --json: the 10 landed between the two refreshes" \
	"$(jv "$TMP/w2.json" 'rule("udp", 44200)["passed"]["packets"] - '$p0)" 10
expect_eq "--watch --json: rate x interval = 10 datagrams" \
	"$(jv "$TMP/w2.json" 'round(rule("udp", 44200)["rate"]["passed"]["packets_per_second"] * d["interval_seconds"])')" 10
expect_eq "--watch --json: bits/s = 8 x bytes/s" \
	"$(jv "$TMP/w2.json" 'round(rule("udp", 44200)["rate"]["passed"]["bits_per_second"] * d["interval_seconds"] / 8)')" $((10 * K_FRAME))

# SIGINT ends a watch cleanly (exit 0) at once.
# A 60 s interval: ending well before it proves SIGINT cut the wait short.
"$XR_BIN" stats $SRV_IF --watch 60 --pin-dir "$PINS" >"$TMP/watch.int" 2>&1 &
wpid=$!
PIDS+=($wpid)
for _ in $(seq 600); do [ -s "$TMP/watch.int" ] && break; sleep 0.05; done # in its wait
kill -INT $wpid
for _ in $(seq 200); do kill -0 $wpid 2>/dev/null || break; sleep 0.1; done
if kill -0 $wpid 2>/dev/null; then
	not_ok "--watch 60: SIGINT ends it within 20 s"
	kill -KILL $wpid
	reap $wpid
else
	ok "--watch 60: SIGINT ends it within 20 s"
	reap $wpid
	expect_eq "--watch: SIGINT exits 0" $? 0
fi

# ---- errors -----------------------------------------------------------------
xr stats nosuch >"$TMP/out" 2>"$TMP/err"
rc=$?
expect_eq "not loaded: exit 1" $rc 1
expect_eq "not loaded: one error line naming the interface" \
	"$(wc -l <"$TMP/err") $(grep -c '^error: nosuch: ' "$TMP/err")" "1 1"

# ---- two interfaces, no IFACE -------------------------------------------------
# A second pair inside the server namespace, filtered too: without IFACE,
# stats covers both, in name order.
if ip -n $SRV link add veth-t type veth peer name veth-u && ip -n $SRV link set veth-t up &&
	ip -n $SRV link set veth-u up && srv "$XR_BIN" load veth-t reflector-caddy --pin-dir "$PINS" >/dev/null 2>&1; then
	LOADED2=1
	xr stats --json >"$JA" 2>/dev/null
	expect_eq "two interfaces: a JSON array in name order" "$(jv "$JA" '[o["interface"] for o in d]')" "['$SRV_IF', 'veth-t']"
	xr stats --prometheus >"$P" 2>&1
	if command -v promtool >/dev/null; then
		check "two interfaces: promtool accepts one exposition" sh -c "promtool check metrics <'$P'"
	fi
	expect_eq "two interfaces: each family once" "$(grep -c '^# TYPE' "$P")" 12
	expect_eq "two interfaces: policy info for both" \
		"$(pv "$P" xdp_reflector_policy_info interface=$SRV_IF) $(pv "$P" xdp_reflector_policy_info interface=veth-t)" "1 1"
	rm -f "$TXT"/*.prom
	xr stats --textfile "$TXT" >"$TMP/out" 2>&1
	expect_eq "two interfaces: --textfile writes one file each, prints nothing" \
		"$(ls "$TXT" | tr '\n' ' ')$(wc -c <"$TMP/out")" "xdp_reflector_$SRV_IF.prom xdp_reflector_veth-t.prom 0"
	xr stats >"$TMP/table" 2>&1
	expect_eq "two interfaces: two tables" "$(grep -cE '^(veth-s|veth-t): profile' "$TMP/table")" 2
else
	not_ok "set up and load a second interface"
fi

finish
