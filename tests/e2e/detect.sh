#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The profile `detect` writes for a deployment, loaded on a real veth: a
# real client reaches exactly the ports the deployment publishes and the
# profile allows (the dashboard from its one admin address only), and
# nothing else the deployment publishes (Redis, Garage, LiveKit signaling
# behind Caddy, the ends of the media range). Then the direct-mode variant
# by reload, and --listening naming the process of a wildcard listener the
# profile drops.
. "$(dirname "$0")/lib.sh"
e2e_setup

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export XDP_REFLECTOR_PROFILE_DIR=$ROOT/policies
D=$ROOT/tests/detect

start_server --tcp 22,80,443,1250,3000,3900,3903,6379,7078,7880,7881,8888,9999 \
	--udp 40000,40100,44199,44200,44300,44301,9998

# Caddy mode, the sample's shape; the dashboard for $CLI4 only.
run "$XR_BIN" detect "$D/caddy" -o "$E2E_TMP/caddy.yaml"
expect_rc "detect the Caddy deployment" 0
sed -i "s|ADMIN-NETWORK/LEN|$CLI4/32|" "$E2E_TMP/caddy.yaml"
check "load the detected profile" xr load $SRV_IF "$E2E_TMP/caddy.yaml"
for port in 22 80 443 7881; do
	expect_eq "caddy: tcp $port (published, allowed) connects" "$(verdict_of cli $PEER tcp $SRV4 $port)" ok
done
expect_eq "caddy: the dashboard connects from $CLI4" "$(verdict_of cli $PEER tcp $SRV4 8888 --bind $CLI4)" ok
expect_eq "caddy: the dashboard times out from $CLI4_OTHER" \
	"$(verdict_of cli $PEER tcp $SRV4 8888 --bind $CLI4_OTHER --timeout 0.7)" timeout
for port in 1250 3000 3900 3903 6379 7078 7880 9999; do
	# Published but kept closed (or loopback-only): the SYN never arrives.
	expect_eq "caddy: tcp $port times out" "$(verdict_of cli $PEER tcp $SRV4 $port --timeout 0.7)" timeout
done
for port in 44200 44300; do
	expect_eq "caddy: udp $port (the media range's ends) echoes" "$(verdict_of cli $PEER udp $SRV4 $port)" ok
done
for port in 44199 44301 40000 40100 9998; do
	expect_eq "caddy: udp $port gets no echo" "$(verdict_of cli $PEER udp $SRV4 $port --timeout 0.5)" timeout
done

# Direct mode: the app, LiveKit signaling, Garage and Reflector's WebRTC
# range are reached; Caddy's ports, which the deployment still publishes,
# are not.
run "$XR_BIN" detect "$D/direct" -o "$E2E_TMP/direct.yaml"
expect_rc "detect the direct deployment" 0
sed -i "s|ADMIN-NETWORK/LEN|$CLI4/32|" "$E2E_TMP/direct.yaml"
check "reload with the detected direct profile" xr reload $SRV_IF "$E2E_TMP/direct.yaml"
for port in 1250 3000 3900 7880 7881; do
	expect_eq "direct: tcp $port connects" "$(verdict_of cli $PEER tcp $SRV4 $port)" ok
done
for port in 80 443 3903 6379; do
	expect_eq "direct: tcp $port times out" "$(verdict_of cli $PEER tcp $SRV4 $port --timeout 0.7)" timeout
done
for port in 40000 40100 44200; do
	expect_eq "direct: udp $port echoes" "$(verdict_of cli $PEER udp $SRV4 $port)" ok
done

# --listening, in the server namespace: the listeners on 9999/tcp and
# 9998/udp (and more) are on every address, neither published nor allowed.
pid=${BG_PIDS[0]}
run srv "$XR_BIN" detect "$D/caddy" --listening
expect_rc "detect --listening" 0
expect_out "--listening names the tcp listener and its process" \
	"^detect: warning: python3 \(pid $pid\) listens on every address, port 9999/tcp, and the profile drops it"
expect_out "--listening names the udp socket and its process" \
	"^detect: warning: python3 \(pid $pid\) receives on every address, port 9998/udp"
# 44199 and 44301 are on every address too; the published (6379, 3900,
# ...) and the allowed ports (443, 44200, ...) are not named again.
expect_eq "--listening names exactly the unpublished ports the profile drops" \
	"$(sed -n 's/^detect: warning: .* port \([0-9]*\/[a-z]*\), .*/\1/p' <<<"$OUT" | sort | tr '\n' ' ')" \
	"44199/udp 44301/udp 9998/udp 9999/tcp "

finish
