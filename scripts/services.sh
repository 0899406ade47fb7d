#!/usr/bin/env bash
# Real Kafka and Elasticsearch for Warren's tests and local stack, without Docker:
# artefacts from Maven Central (through mvn), JVMs started in the background on fixed loopback ports.
#
#   scripts/services.sh fetch  NAME...     download into .cache/ (idempotent)
#   scripts/services.sh start  NAME...     start (fetching if needed) and wait until ready; no-op if already up
#   scripts/services.sh stop   [NAME...]   SIGTERM, 30 s grace, SIGKILL (all services when none named)
#   scripts/services.sh status [NAME...]   up/down per service
#   scripts/services.sh env                `export` lines with the addresses, for eval
#
# NAMEs: kafka39 kafka4 es8 es9 kafkafault (or "all"); kafkafault is a 4.x broker that tests stop and restart.
# Run state: .run/<name>/ (data, logs, pid); the data dir is
# recreated on every start, so each start gives an empty broker / cluster. See scripts/services/README.md.
set -euo pipefail

# --- pinned versions (chosen by trying them with mvn; see scripts/services/README.md) -------------
KAFKA39_VERSION=3.9.1
KAFKA4_VERSION=4.2.2
KAFKA4_LOG4J_VERSION=2.25.5   # the log4j-core version kafka-server 4.2.2 depends on
ES8_VERSION=8.19.21           # newest 8.19 integ-test zip on Maven Central
ES9_VERSION=9.5.4             # newest 9.x whose server + test framework jars resolve (no 9.x zip exists)

JAVA17_HOME=${JAVA17_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}
JAVA25_HOME=${JAVA25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
SASL_USER=warren
SASL_PASSWORD=${WARREN_TEST_SASL_PASSWORD:-warren-test-secret}
ES_USER=esrun
READY_TIMEOUT=${SERVICES_READY_TIMEOUT:-180}
STOP_TIMEOUT=30
ALL_SERVICES=(kafka39 kafka4 es8 es9 kafkafault)

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HERE=$ROOT/scripts/services
CACHE=$ROOT/.cache
RUN=$ROOT/.run

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] error: %s\n' "$*" >&2; exit 1; }

# --- per-service facts -----------------------------------------------------------------------------
kind_of() { case $1 in kafka39|kafka4|kafkafault) echo kafka ;; es8|es9) echo es ;; *) die "unknown service '$1' (known: ${ALL_SERVICES[*]})" ;; esac; }
port_of() { case $1 in kafka39) echo 19092 ;; kafka4) echo 29092 ;; kafkafault) echo 49092 ;; es8) echo 19200 ;; es9) echo 29200 ;; esac; }
ctrl_port_of() { case $1 in kafka39) echo 19093 ;; kafka4) echo 29093 ;; kafkafault) echo 49093 ;; es8) echo 19300 ;; es9) echo 29300 ;; esac; }
address_of() { case $(kind_of "$1") in kafka) echo "127.0.0.1:$(port_of "$1")" ;; es) echo "http://127.0.0.1:$(port_of "$1")" ;; esac; }
kafka_version_of() { case $1 in kafka39) echo "$KAFKA39_VERSION" ;; kafka4|kafkafault) echo "$KAFKA4_VERSION" ;; esac; }
cache_dir_of() {
  case $1 in
    kafka39) echo "$CACHE/kafka-$KAFKA39_VERSION" ;;
    kafka4|kafkafault) echo "$CACHE/kafka-$KAFKA4_VERSION" ;;
    es8) echo "$CACHE/es-$ES8_VERSION" ;;
    es9) echo "$CACHE/es-embedded-$ES9_VERSION" ;;
  esac
}

NAMES=()
expand_names() { # sets NAMES: "all" or nothing -> every service; dies on an unknown name
  if [ $# -eq 0 ] || [ "$*" = all ]; then NAMES=("${ALL_SERVICES[@]}"); return; fi
  local n; NAMES=()
  for n in "$@"; do
    case " ${ALL_SERVICES[*]} " in *" $n "*) NAMES+=("$n") ;; *) die "unknown service '$n' (known: ${ALL_SERVICES[*]})" ;; esac
  done
}

# SERVICES_MAVEN_REPO: optional Maven local repository (default ~/.m2/repository)
# (output kept out of the way, shown only when mvn fails)
mvn_q() {
  local out; out=$(mktemp)
  if ! mvn -q -B -Dstyle.color=never ${SERVICES_MAVEN_REPO:+"-Dmaven.repo.local=$SERVICES_MAVEN_REPO"} "$@" >"$out" 2>&1; then
    sed 's/\x1b\[[0-9;]*m//g' "$out" >&2; rm -f "$out"; die "mvn $* failed"
  fi
  rm -f "$out"
}

# --- fetch -----------------------------------------------------------------------------------------
# es9: (re)compile EsEmbeddedNode.java into the cache when the class is missing or older than the source
compile_es9_node() {
  local dir=$1
  [ "$dir/classes/EsEmbeddedNode.class" -nt "$HERE/EsEmbeddedNode.java" ] && return 0
  mkdir -p "$dir/classes"
  "$JAVA25_HOME/bin/javac" -nowarn -d "$dir/classes" -cp "$dir/libs/*" "$HERE/EsEmbeddedNode.java" >&2
}

fetch_one() {
  local name=$1 dir; dir=$(cache_dir_of "$name")
  if [ -f "$dir/.complete" ]; then
    if [ "$name" = es9 ]; then compile_es9_node "$dir"; fi
    return 0
  fi
  local t0=$SECONDS
  command -v mvn >/dev/null || die "mvn not found (apt-get install maven)"
  rm -rf "$dir"; mkdir -p "$dir"
  case $name in
    kafka39|kafka4|kafkafault)
      local ver profile
      ver=$(kafka_version_of "$name")
      if [ "$name" = kafka39 ]; then profile=reload4j; else profile=log4j2; fi
      log "fetching Kafka $ver ($name) from Maven Central"
      mvn_q -f "$HERE/kafka-runtime.pom.xml" -P"$profile" -Dkafka.version="$ver" -Dlog4j.version="$KAFKA4_LOG4J_VERSION" \
        dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$dir/libs"
      unzip -l "$dir/libs/kafka_2.13-$ver.jar" kafka/tools/StorageTool.class >/dev/null \
        || die "kafka.tools.StorageTool not in kafka_2.13-$ver.jar"
      ;;
    es8)
      command -v unzip >/dev/null || die "unzip not found (apt-get install unzip)"
      log "fetching Elasticsearch $ES8_VERSION integ-test zip from Maven Central"
      mvn_q dependency:copy -Dartifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES8_VERSION:zip" \
        -DoutputDirectory="$dir"
      unzip -q "$dir/elasticsearch-$ES8_VERSION.zip" -d "$dir"
      rm -f "$dir/elasticsearch-$ES8_VERSION.zip"
      [ -x "$dir/elasticsearch-$ES8_VERSION/bin/elasticsearch" ] || die "unexpected zip layout in $dir"
      ;;
    es9)
      log "fetching Elasticsearch $ES9_VERSION server jars from Maven Central (embedded node)"
      mvn_q -f "$HERE/es-embedded.pom.xml" -Des.version="$ES9_VERSION" \
        dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$dir/libs"
      compile_es9_node "$dir"
      ;;
  esac
  touch "$dir/.complete"
  log "fetched $name into ${dir#"$ROOT"/} in $((SECONDS - t0))s"
}

# --- process helpers -------------------------------------------------------------------------------
pid_of() { # prints the pid (= process group id) of a service started by this checkout, if alive
  local f=$RUN/$1/pid pid
  [ -f "$f" ] || return 1
  pid=$(cat "$f" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}
group_alive() { kill -0 -- "-$1" 2>/dev/null; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

es_healthy() {
  curl -fsS -o /dev/null --max-time 5 \
    "http://127.0.0.1:$(port_of "$1")/_cluster/health?wait_for_status=yellow&timeout=1s" 2>/dev/null
}

answering() {
  case $(kind_of "$1") in
    kafka) port_open "$(port_of "$1")" ;;
    es) es_healthy "$1" ;;
  esac
}

# Ready = answering, and for a service we just launched also the "started" signal in its own log.
ready() {
  local name=$1
  case $(kind_of "$name") in
    kafka) port_open "$(port_of "$name")" && grep -q 'Kafka Server started' "$RUN/$name/logs/server.log" 2>/dev/null ;;
    es) es_healthy "$name" ;;
  esac
}

log_files_of() {
  case $1 in
    kafka39|kafka4|kafkafault) echo "$RUN/$1/logs/format.log $RUN/$1/logs/stdout.log $RUN/$1/logs/server.log" ;;
    es8) echo "$RUN/$1/logs/console.log $RUN/$1/logs/warren-$1.log" ;;
    es9) echo "$RUN/$1/logs/console.log" ;;
  esac
}

show_log_tail() {
  local f
  for f in $(log_files_of "$1"); do
    [ -s "$f" ] || continue
    printf -- '----- tail of %s -----\n' "${f#"$ROOT"/}" >&2
    tail -n 40 "$f" >&2
  done
}

# Run "$@" detached in its own session/process group, all output to $log, stdin from /dev/null, and
# with the lock fd closed (a JVM must not inherit it). The session leader execs the command, so the
# pid written to $pidfile is both the process and its process group id.
launch() {
  local pidfile=$1 logfile=$2; shift 2
  setsid bash -c 'echo $$ > "$0"; exec "$@"' "$pidfile" "$@" >"$logfile" 2>&1 </dev/null 9>&- &
  local i
  for i in $(seq 50); do [ -s "$pidfile" ] && return 0; sleep 0.1; done
  die "could not launch: $*"
}

ensure_es_user() {
  id "$ES_USER" >/dev/null 2>&1 && return 0
  [ "$(id -u)" = 0 ] || die "user $ES_USER missing and not root to create it"
  log "creating system user $ES_USER (Elasticsearch refuses to run as root)"
  useradd --system --no-create-home --shell /usr/sbin/nologin "$ES_USER"
}

# runs the command as $ES_USER when we are root, as ourselves otherwise
as_es_user() { if [ "$(id -u)" = 0 ]; then runuser -u "$ES_USER" -- "$@"; else "$@"; fi; }

# --- start -----------------------------------------------------------------------------------------
write_kafka_config() {
  local name=$1 run=$RUN/$1 port ctrl
  port=$(port_of "$name"); ctrl=$(ctrl_port_of "$name")
  local listeners="PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$ctrl"
  local advertised="PLAINTEXT://127.0.0.1:$port"
  local protocols="CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
  if [ "$name" = kafka4 ]; then
    listeners+=",SASL_PLAINTEXT://127.0.0.1:29094"
    advertised+=",SASL_PLAINTEXT://127.0.0.1:29094"
    protocols+=",SASL_PLAINTEXT:SASL_PLAINTEXT"
  fi
  cat >"$run/server.properties" <<EOF
# generated by scripts/services.sh for $name
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$ctrl
listeners=$listeners
advertised.listeners=$advertised
listener.security.protocol.map=$protocols
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$run/data
num.partitions=1
auto.create.topics.enable=false
offsets.topic.num.partitions=3
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
group.initial.rebalance.delay.ms=0
EOF
  if [ "$name" = kafka4 ]; then
    cat >>"$run/server.properties" <<'EOF'
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# SCRAM on the SASL_PLAINTEXT listener only; inter-broker and controller traffic stays PLAINTEXT.
sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
EOF
  fi
}

kafka_log_opts() {
  if [ "$1" = kafka39 ]; then
    echo "-Dlog4j.configuration=file:$HERE/kafka-log4j.properties"
  else
    echo "-Dlog4j2.configurationFile=$HERE/kafka-log4j2.properties"
  fi
}

launch_kafka() {
  local name=$1 run=$RUN/$1 libs
  libs=$(cache_dir_of "$name")/libs
  write_kafka_config "$name"
  local java=$JAVA17_HOME/bin/java
  local -a common=(-Dkafka.logs.dir="$run/logs" "$(kafka_log_opts "$name")" -cp "$libs/*")
  local cid
  # A random base64url id; one that starts with "-" would be read as an option by the format tool.
  cid=-
  while [[ $cid == -* ]]; do cid=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'); done
  local -a scram=()
  if [ "$name" = kafka4 ]; then
    [[ $SASL_PASSWORD =~ [][,\"[:space:]] ]] && die "WARREN_TEST_SASL_PASSWORD must not contain spaces, commas, quotes or brackets"
    scram=(--add-scram "SCRAM-SHA-512=[name=$SASL_USER,password=$SASL_PASSWORD]"
           --add-scram "SCRAM-SHA-256=[name=$SASL_USER,password=$SASL_PASSWORD]")
  fi
  if [ -n "$(find "$run/data" -name meta.properties -print -quit 2>/dev/null)" ]; then
    :  # already formatted (restart on kept data)
  elif ! "$java" -Xmx256m -XX:TieredStopAtLevel=1 "${common[@]}" kafka.tools.StorageTool format \
        -t "$cid" -c "$run/server.properties" "${scram[@]}" >"$run/logs/format.log" 2>&1 </dev/null; then
    show_log_tail "$name"; die "$name: kafka-storage format failed"
  fi
  launch "$run/pid" "$run/logs/stdout.log" "$java" -Xms256m -Xmx512m -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:TieredStopAtLevel=1 \
    -Djava.awt.headless=true "${common[@]}" kafka.Kafka "$run/server.properties"
}

es_settings() { # common -E settings
  local name=$1 run=$RUN/$1
  printf '%s\n' -Ediscovery.type=single-node -Enetwork.host=127.0.0.1 \
    "-Ehttp.port=$(port_of "$name")" "-Etransport.port=$(ctrl_port_of "$name")" \
    "-Ecluster.name=warren-$name" "-Enode.name=$name" \
    "-Epath.data=$run/data" "-Epath.logs=$run/logs" \
    -Ecluster.routing.allocation.disk.threshold_enabled=false \
    -Eaction.destructive_requires_name=false \
    -Eindices.breaker.total.use_real_memory=false
}

# es9 only. A real ES 9 distribution ships libzstd.so in lib/platform/<os>-<arch>/ and its native access
# layer (org.elasticsearch.foreign.LoaderHelper) System.load()s "<es.nativelibs.path or
# es.path.home/lib/platform/linux-x64>/libzstd.so"; index.codec=best_compression needs it. Maven Central
# has no such artefact, so we point that directory at Debian's libzstd1 (same stable ZSTD_* API; ES
# builds 1.5.x, bookworm has 1.5.4). Without it the node starts, but the first best_compression
# segment fails its shard engine and wedges the cluster-state thread. Prints the directory.
es9_native_libs() {
  local dir=$1/home/lib/platform/linux-x64 lib
  lib=$(/sbin/ldconfig -p 2>/dev/null | awk '$1 == "libzstd.so.1" && /64/ { print $NF; exit }')
  [ -n "$lib" ] || lib=/usr/lib/x86_64-linux-gnu/libzstd.so.1
  [ -r "$lib" ] || die "es9: libzstd.so.1 not found (apt-get install libzstd1, or run scripts/setup.sh)"
  mkdir -p "$dir"
  ln -sfn "$lib" "$dir/libzstd.so"
  echo "$dir"
}

launch_es() {
  local name=$1 run=$RUN/$1 cache
  cache=$(cache_dir_of "$name")
  ensure_es_user
  mkdir -p "$run/tmp"
  local -a settings; mapfile -t settings < <(es_settings "$name")
  local heap=${ES_JAVA_OPTS:--Xms512m -Xmx512m}
  if [ "$name" = es8 ]; then
    local home=$cache/elasticsearch-$ES8_VERSION
    # private copy of the config dir (ES writes its keystore there); jvm.options with paths in .run
    cp -r "$home/config" "$run/config"
    cat >"$run/config/jvm.options" <<EOF
# generated by scripts/services.sh (the heap comes from ES_JAVA_OPTS)
-XX:+UseG1GC
-Djava.io.tmpdir=\${ES_TMPDIR}
20-:--add-modules=jdk.incubator.vector
-XX:+HeapDumpOnOutOfMemoryError
-XX:+ExitOnOutOfMemoryError
-XX:HeapDumpPath=$run/data
-XX:ErrorFile=$run/logs/hs_err_pid%p.log
EOF
    chown -R "$ES_USER:" "$run"
    (cd "$run" && launch "$run/pid" "$run/logs/console.log" runuser -u "$ES_USER" -- env \
      ES_JAVA_HOME="$JAVA17_HOME" ES_JAVA_OPTS="$heap" ES_PATH_CONF="$run/config" ES_TMPDIR="$run/tmp" \
      "$home/bin/elasticsearch" "${settings[@]}" -Expack.security.enabled=false)
  else
    local nativelibs
    nativelibs=$(es9_native_libs "$run")
    chown -R "$ES_USER:" "$run"
    # es.nativelibs.path: where ES's native access loads libzstd.so from (see es9_native_libs);
    # enableVectorLibrary=false: ES's own libvec.so is not on Central, and with it enabled but missing
    # ES disables *all* native access (zstd included); vector scoring then uses Lucene's Java code.
    # shellcheck disable=SC2086 # $heap is a list of JVM options
    (cd "$run" && launch "$run/pid" "$run/logs/console.log" runuser -u "$ES_USER" -- \
      "$JAVA25_HOME/bin/java" $heap -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError \
      -XX:ErrorFile="$run/logs/hs_err_pid%p.log" -Djava.io.tmpdir="$run/tmp" \
      --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
      -Des.nativelibs.path="$nativelibs" -Dorg.elasticsearch.nativeaccess.enableVectorLibrary=false \
      -Dio.netty.noUnsafe=true -Dio.netty.recycler.maxCapacityPerThread=0 \
      -Dlog4j2.disable.jmx=true -Dlog4j.shutdownHookEnabled=false -Djava.locale.providers=CLDR \
      -Dfile.encoding=UTF-8 -Dlog4j2.configurationFile="$HERE/es-embedded-log4j2.properties" \
      -cp "$cache/classes:$cache/libs/*" EsEmbeddedNode "-Epath.home=$run/home" "${settings[@]}")
  fi
}

# prints "up", "foreign" (answering but not started from this checkout), "starting" or "down"
state_of() {
  local name=$1
  if pid_of "$name" >/dev/null; then
    if answering "$name"; then echo up; else echo starting; fi
  elif answering "$name"; then
    echo foreign
  else
    echo down
  fi
}

cmd_start() {
  local -a names launched=()
  expand_names "$@"; names=("${NAMES[@]}")
  local n st
  for n in "${names[@]}"; do fetch_one "$n"; done
  for n in "${names[@]}"; do
    st=$(state_of "$n")
    case $st in
      up|foreign|starting) continue ;;
    esac
    local port busy=
    for port in $(port_of "$n") $(ctrl_port_of "$n") $([ "$n" = kafka4 ] && echo 29094); do
      port_open "$port" && busy+=" $port"
    done
    [ -z "$busy" ] || die "$n: port(s)$busy already in use by another process"
    # SERVICES_KEEP_DATA=1 restarts a stopped service on its old data (a broker restart, for fault tests).
    if [ "${SERVICES_KEEP_DATA:-0}" = 1 ] && [ -d "$RUN/$n/data" ]; then rm -f "$RUN/$n/pid"; else rm -rf "${RUN:?}/$n"; fi
    mkdir -p "$RUN/$n/data" "$RUN/$n/logs"
    log "starting $n"
    case $(kind_of "$n") in kafka) launch_kafka "$n" ;; es) launch_es "$n" ;; esac
    launched+=("$n")
  done
  local t0=$SECONDS
  for n in "${names[@]}"; do
    st=$(state_of "$n")
    if [ "$st" = foreign ]; then
      echo "$n ready at $(address_of "$n") (already running, not started by this checkout)"; continue
    fi
    if [ "$st" = up ] && [[ " ${launched[*]} " != *" $n "* ]]; then
      echo "$n ready at $(address_of "$n") (already running)"; continue
    fi
    until ready "$n"; do
      if ! pid_of "$n" >/dev/null; then
        show_log_tail "$n"; rm -f "$RUN/$n/pid"; die "$n exited during start-up (logs in .run/$n/logs)"
      fi
      if [ $((SECONDS - t0)) -ge "$READY_TIMEOUT" ]; then
        show_log_tail "$n"; stop_one "$n" >&2
        die "$n not ready after ${READY_TIMEOUT}s, stopped it again (logs in .run/$n/logs)"
      fi
      sleep 0.5
    done
    echo "$n ready at $(address_of "$n") (ready after $((SECONDS - t0))s)"
  done
}

# --- stop / status / env ---------------------------------------------------------------------------
stop_one() {
  local name=$1 pid
  if ! pid=$(pid_of "$name"); then
    rm -f "$RUN/$name/pid"
    if answering "$name"; then log "$name is answering but was not started by this checkout; left alone"; fi
    return 0
  fi
  kill -TERM -- "-$pid" 2>/dev/null || true
  local deadline=$((SECONDS + STOP_TIMEOUT))
  while group_alive "$pid" && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
  if group_alive "$pid"; then
    log "$name did not stop within ${STOP_TIMEOUT}s; sending SIGKILL"
    kill -KILL -- "-$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$RUN/$name/pid"
  echo "$name stopped"
}

cmd_stop() {
  local -a names; expand_names "$@"; names=("${NAMES[@]}")
  local n; for n in "${names[@]}"; do stop_one "$n"; done
}

cmd_status() {
  local -a names; expand_names "$@"; names=("${NAMES[@]}")
  local n st pid
  for n in "${names[@]}"; do
    st=$(state_of "$n")
    case $st in
      up) pid=$(pid_of "$n"); printf '%-8s up        %-24s pid %s\n' "$n" "$(address_of "$n")" "$pid" ;;
      starting) pid=$(pid_of "$n"); printf '%-8s starting  %-24s pid %s\n' "$n" "$(address_of "$n")" "$pid" ;;
      foreign) printf '%-8s up        %-24s (not started by this checkout)\n' "$n" "$(address_of "$n")" ;;
      down) printf '%-8s down\n' "$n" ;;
    esac
  done
}

cmd_env() {
  cat <<EOF
export KAFKA39_BROKERS=127.0.0.1:19092
export KAFKA4_BROKERS=127.0.0.1:29092
export KAFKA4_SASL_BROKERS=127.0.0.1:29094
export KAFKAFAULT_BROKERS=127.0.0.1:49092
export ES8_URL=http://127.0.0.1:19200
export ES9_URL=http://127.0.0.1:29200
EOF
  printf 'export WARREN_TEST_SASL_USERNAME=%s\n' "$SASL_USER"
  printf 'export WARREN_TEST_SASL_PASSWORD=%q\n' "$SASL_PASSWORD"
}

usage() {
  sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# start/stop/fetch hold one lock so that concurrent callers (parallel test runs) queue up instead of
# starting the same service twice; status/env do not need it.
with_lock() {
  mkdir -p "$RUN"
  exec 9>"$RUN/.lock"
  flock -w 900 9 || die "timed out waiting for $RUN/.lock"
  "$@"
}

main() {
  [ $# -ge 1 ] || usage
  local cmd=$1; shift
  case $cmd in
    fetch)
      [ $# -ge 1 ] || set -- all
      local -a names; expand_names "$@"; names=("${NAMES[@]}")
      local n; with_lock true; for n in "${names[@]}"; do fetch_one "$n"; done ;;
    start) [ $# -ge 1 ] || usage; with_lock cmd_start "$@" ;;
    stop) with_lock cmd_stop "$@" ;;
    status) cmd_status "$@" ;;
    env) cmd_env ;;
    -h|--help|help) usage ;;
    *) usage ;;
  esac
}

main "$@"
