#!/usr/bin/env bash
# clean-room: the container image's steps without Docker.
#
#   test/deploy/clean-room.sh            # from the repository root (or anywhere)
#
# 1. build (the `npm run build` compiler run, written straight into an empty folder so the
#    checkout's own dist/ is left alone), as the Dockerfile's build stage does;
# 2. copy into an empty folder exactly what the final stage holds: dist/src, policies (without
#    their tests), src/index.ts, package.json, plus package-lock.json for the install;
# 3. `npm ci --omit=dev --ignore-scripts` there (the deps stage), and check no dev package came along;
# 4. start `node dist/src/cli/main.js serve` from that folder on free loopback ports, with
#    certificates generated into the folder, and check over HTTPS with the generated CA that
#    /healthz and /readyz answer 200, a privileged Pod is denied on /validate and a Pod without a
#    seccompProfile gets one from /mutate.
# Prints one line per check and "N passed, N failed"; exit status 0 only when all passed.
# Set KEEP=1 to keep the folder, PORTCULLIS_NODE=/path/to/node to choose the Node binary (default: the
# pinned Node 24 of this checkout).
set -euo pipefail

REPO="$(cd "$(dirname "$0")/../.." && pwd)"
NODE="${PORTCULLIS_NODE:-$REPO/node_modules/.bin/node}"
ROOM="$(mktemp -d "${TMPDIR:-/tmp}/portcullis-clean-room.XXXXXX")"
SERVER_PID=""
passed=0
failed=0

cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; fi
  if [ "${KEEP:-}" = 1 ]; then echo "kept $ROOM"; else rm -rf "$ROOM"; fi
}
trap cleanup EXIT

check() { # check NAME COMMAND...
  local name="$1"; shift
  if "$@"; then echo "ok   $name"; passed=$((passed + 1)); else echo "FAIL $name"; failed=$((failed + 1)); fi
}

echo "clean room: $ROOM (node $("$NODE" --version))"

# 1. build
start=$(date +%s)
(cd "$REPO" && "$NODE" node_modules/typescript/bin/tsc -p tsconfig.build.json --outDir "$ROOM/dist")
rm -rf "$ROOM/dist/policies" # the image loads the policies from their sources
echo "build: $(( $(date +%s) - start )) s"

# 2. the final stage's files
mkdir -p "$ROOM/src"
cp -R "$REPO/policies" "$ROOM/policies"
find "$ROOM/policies" \( -name tests -type d -prune -exec rm -rf {} + \) -o \( -name '*.test.ts' -exec rm -f {} + \)
cp "$REPO/src/index.ts" "$ROOM/src/index.ts"
cp "$REPO/package.json" "$REPO/package-lock.json" "$ROOM/"

# 3. production dependencies only (--prefer-offline: the packages are in npm's cache after the
#    checkout's own npm ci, so this needs the registry only for what the cache lacks)
start=$(date +%s)
(cd "$ROOM" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error)
echo "npm ci --omit=dev: $(( $(date +%s) - start )) s, node_modules $(du -sh "$ROOM/node_modules" | cut -f1)"
rm "$ROOM/package-lock.json"
no_dev_packages() {
  for dev in vitest typescript eslint kubernetes-models autocannon node; do
    if [ -e "$ROOM/node_modules/$dev" ]; then echo "  dev package $dev installed"; return 1; fi
  done
}
check "no devDependency installed" no_dev_packages

# 4. serve from the clean room
read -r PORT METRICS_PORT < <("$NODE" -e '
  const net = require("node:net");
  const free = () => new Promise((r) => { const s = net.createServer().listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => r(p)); }); });
  Promise.all([free(), free()]).then((p) => console.log(p.join(" ")));')
(cd "$ROOM" && exec "$NODE" dist/src/cli/main.js serve --host 127.0.0.1 --port "$PORT" --metrics-port "$METRICS_PORT" --certs "$ROOM/certs" --log-level warn) \
  > "$ROOM/server.log" 2>&1 &
SERVER_PID=$!

# the HTTPS client: Node's fetch with the generated CA (no curl needed)
https() { # https METHOD PATH [BODY_FILE] -> prints "STATUS BODY"
  "$NODE" -e '
    const [method, path, bodyFile] = process.argv.slice(1);
    const fs = require("node:fs"); const https = require("node:https");
    const body = bodyFile ? fs.readFileSync(bodyFile) : undefined;
    const req = https.request({ host: "127.0.0.1", port: process.env.PORT, method, path, ca: fs.readFileSync(process.env.CA),
      headers: body ? { "content-type": "application/json", "content-length": body.length } : {} }, (res) => {
      let data = ""; res.on("data", (c) => (data += c)); res.on("end", () => console.log(res.statusCode + " " + data));
    });
    req.on("error", (e) => { console.log("000 " + e.message); });
    req.end(body);' "$@"
}
export PORT CA="$ROOM/certs/ca.crt"

up=0
for _ in $(seq 1 100); do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then break; fi
  if [ -f "$CA" ] && [ "$(https GET /healthz | cut -c1-3)" = 200 ]; then up=1; break; fi
  sleep 0.2
done
server_up() { [ "$up" = 1 ] || { sed 's/^/  server: /' "$ROOM/server.log"; return 1; }; }
check "serve starts and /healthz answers 200 over HTTPS (generated CA)" server_up
check "/readyz answers 200" test "$(https GET /readyz | cut -c1-3)" = 200

review() { # review FILE OPERATION-SPECIFIC-POD-JSON
  cat > "$1" <<EOF
{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"clean-room-$2",
 "kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},
 "namespace":"default","name":"p","operation":"CREATE","userInfo":{"username":"alice"},
 "object":$3}}
EOF
}
review "$ROOM/privileged.json" privileged \
  '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default"},"spec":{"containers":[{"name":"app","image":"registry.example/app:1.0","securityContext":{"privileged":true},"resources":{"requests":{"cpu":"10m","memory":"16Mi"},"limits":{"memory":"32Mi"}}}]}}'
review "$ROOM/plain.json" plain \
  '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default"},"spec":{"containers":[{"name":"app","image":"registry.example/app:1.0"}]}}'

denied_privileged() {
  local out; out="$(https POST /validate "$ROOM/privileged.json")"
  case "$out" in
    200\ *'"allowed":false'*privileged*) return 0 ;;
    *) echo "  got: $out"; return 1 ;;
  esac
}
check "a privileged Pod is denied on /validate" denied_privileged

mutated_plain() {
  local out patch; out="$(https POST /mutate "$ROOM/plain.json")"
  patch="$(printf '%s' "${out#* }" | "$NODE" -e 'let s="";process.stdin.on("data",(c)=>s+=c).on("end",()=>{const r=JSON.parse(s).response;console.log(r.patch?Buffer.from(r.patch,"base64").toString():"")})')"
  case "$patch" in
    *seccompProfile*RuntimeDefault*) return 0 ;;
    *) echo "  got: $out"; return 1 ;;
  esac
}
check "a Pod without seccompProfile gets RuntimeDefault from /mutate" mutated_plain

kill "$SERVER_PID"
stopped=1
for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || { stopped=0; break; }; sleep 0.1; done
wait "$SERVER_PID" 2>/dev/null && code=0 || code=$?
SERVER_PID=""
check "SIGTERM stops the server with exit code 0" test "$stopped$code" = 00

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
