# ccp-lanes: point this terminal at the local lane-splitting proxy.
# Generated from env/sub-env.template.sh by `npm run env` (and by every `npm run mitm`).
# Usage (bash or zsh; sh/dash too):   source env/sub-env.sh [PORT]   (sh: . env/sub-env.sh [PORT])
#                                     default port: __CCP_DEFAULT_PORT__
# Undo:                  unset HTTPS_PROXY https_proxy NODE_EXTRA_CA_CERTS   (or open a new terminal)
# CCP_AUTOSTART=1 (in this shell or the kit's .env): a claude that finds the proxy down starts it in the
# background (no npm parent, output in logs/mitm-autostart.log) and goes on once it answers.
#
# It checks that this kit's proxy answers on that port (its /__ccp/ping names the CA it uses), and
# wraps `claude` in this shell so that a claude started while the proxy is down stops at once with one
# line saying how to start it, instead of hanging on retries. `command claude` skips the check.

_ccp_sourced=0
if [ -n "${ZSH_VERSION:-}" ]; then
  case "${ZSH_EVAL_CONTEXT:-}" in *:file*) _ccp_sourced=1 ;; esac
elif [ -n "${BASH_VERSION:-}" ]; then
  # shellcheck disable=SC3028,SC3054
  [ "${BASH_SOURCE[0]}" != "$0" ] && _ccp_sourced=1
else
  # sh, dash: executed, $0 is this file; sourced, it is the shell's own name.
  case "$0" in *sub-env.sh) ;; *) _ccp_sourced=1 ;; esac
fi
if [ "$_ccp_sourced" != 1 ]; then
  echo "sub-env.sh was executed, so it cannot change your shell. Source it instead:" >&2
  echo "  source env/sub-env.sh ${1:-__CCP_DEFAULT_PORT__}     (sh: . env/sub-env.sh ${1:-__CCP_DEFAULT_PORT__})" >&2
  unset _ccp_sourced
  exit 1
fi
unset _ccp_sourced

_ccp_port="${1:-__CCP_DEFAULT_PORT__}"
case "$_ccp_port" in
  ''|*[!0-9]*)
    echo "ccp: port must be a number, got '$_ccp_port' (usage: source env/sub-env.sh __CCP_DEFAULT_PORT__)" >&2
    unset _ccp_port
    return 1 ;;
esac
_ccp_ca=__CCP_CA_CERT__
if [ ! -r "$_ccp_ca" ]; then
  echo "ccp: CA certificate not found at $_ccp_ca; run 'npm run mitm' once to create it" >&2
fi

# Baked in when this file was written: where the kit lives, the port a plain `npm run mitm` starts on,
# the CA's SHA-256.
_CCP_KIT_DIR=__CCP_KIT_DIR__
_CCP_START_PORT=__CCP_START_PORT__
_CCP_CA_SHA256=__CCP_CA_SHA256__

# _ccp_proxy_check PORT: 0 when this kit's proxy answers on 127.0.0.1:PORT with this CA; else one line
# on stderr saying what is wrong and the exact command that fixes it, and 1. Loopback only: ~10 ms.
_ccp_proxy_check() {
  local port="$1" start answer rc
  start="cd '$_CCP_KIT_DIR' && npm run mitm"
  [ "$port" != "$_CCP_START_PORT" ] && start="cd '$_CCP_KIT_DIR' && MITM_PORT=$port npm run mitm"
  command -v curl >/dev/null 2>&1 || return 0 # nothing to check with: never block claude for it
  answer=$(curl -s --noproxy '*' --connect-timeout 1 --max-time 2 "http://127.0.0.1:$port/__ccp/ping" 2>/dev/null)
  rc=$?
  case "$answer" in
    "ccp-lanes "*"ca=$_CCP_CA_SHA256"*) return 0 ;;
    "ccp-lanes "*)
      echo "ccp: the proxy on 127.0.0.1:$port uses another CA than this terminal trusts (another checkout, or a renewed CA): run 'source $_CCP_KIT_DIR/env/sub-env.sh $port' again, or stop it and run: $start" >&2
      return 1 ;;
  esac
  if [ "$rc" = 7 ] || [ "$rc" = 28 ]; then
    echo "ccp: no proxy is running on 127.0.0.1:$port; start it in another terminal: $start" >&2
  else
    local free
    free=$(_ccp_free_port_after "$port")
    if [ -n "$free" ]; then
      echo "ccp: 127.0.0.1:$port answers, but not as this kit's proxy; free that port, or use $free, which is free now: cd '$_CCP_KIT_DIR' && MITM_PORT=$free npm run mitm, then source env/sub-env.sh $free" >&2
    else
      echo "ccp: 127.0.0.1:$port answers, but not as this kit's proxy; free that port, or start the proxy on another: cd '$_CCP_KIT_DIR' && MITM_PORT=<free port> npm run mitm" >&2
    fi
  fi
  return 1
}

# _ccp_port_refused PORT: nothing listens on 127.0.0.1:PORT now (curl: connection refused).
_ccp_port_refused() {
  curl -s --noproxy '*' --connect-timeout 1 --max-time 1 -o /dev/null "http://127.0.0.1:$1/" 2>/dev/null
  [ "$?" = 7 ]
}

# _ccp_free_port_after PORT: the first of the next 20 ports where nothing listens now (connection refused).
_ccp_free_port_after() {
  local p=$(($1 + 1)) last=$(($1 + 20))
  while [ "$p" -le "$last" ]; do
    curl -s --noproxy '*' --connect-timeout 1 --max-time 1 -o /dev/null "http://127.0.0.1:$p/" 2>/dev/null
    if [ "$?" = 7 ]; then
      printf '%s' "$p"
      return 0
    fi
    p=$((p + 1))
  done
  return 1
}

# The port this shell's HTTPS_PROXY names, when it is a local proxy; empty otherwise.
_ccp_proxy_port() {
  case "${HTTPS_PROXY:-}" in
    http://127.0.0.1:*)
      local rest="${HTTPS_PROXY#http://127.0.0.1:}"
      printf '%s' "${rest%%/*}" ;;
  esac
}

# _ccp_autostart PORT: with CCP_AUTOSTART=1 (this shell, or the kit's .env), start the proxy for PORT in the
# background — detached (nohup, its own subshell: closing this terminal does not stop it), the node process
# alone (no npm parent), output in logs/mitm-autostart.log — and wait up to 15 s for it to answer.
_ccp_autostart() {
  local port="$1" log i
  case "${CCP_AUTOSTART:-}" in
    1) ;;
    '') grep -qs '^CCP_AUTOSTART=1[[:space:]]*$' "$_CCP_KIT_DIR/.env" || return 1 ;;
    *) return 1 ;;
  esac
  command -v node >/dev/null 2>&1 || return 1
  log="${CCP_LOGS_DIR:-logs}"
  case "$log" in /*) ;; *) log="$_CCP_KIT_DIR/${log#./}" ;; esac
  mkdir -p "$log" 2>/dev/null
  log="$log/mitm-autostart.log"
  # The outer subshell keeps it out of this shell's jobs; every fd of the inner one is the log or /dev/null,
  # so nothing holds this terminal's pipes; exec leaves the node process alone (no shell, no npm above it).
  ( (cd "$_CCP_KIT_DIR" && MITM_PORT="$port" exec nohup node tasks/launch.mjs tasks/mitm.ts) >>"$log" 2>&1 </dev/null & )
  i=0
  while [ "$i" -lt 75 ]; do
    if _ccp_proxy_check "$port" 2>/dev/null; then
      echo "ccp: started the proxy on 127.0.0.1:$port in the background (CCP_AUTOSTART=1; output in $log); stop it with: cd '$_CCP_KIT_DIR' && npm run stop" >&2
      return 0
    fi
    sleep 0.2
    i=$((i + 1))
  done
  echo "ccp: CCP_AUTOSTART=1, but the proxy did not answer on 127.0.0.1:$port within 15 s; see $log" >&2
  return 1
}

# _ccp_run CMD ARGS…: the check, then the command; `claude` itself runs as `command claude`, so an
# alias or this wrapper never calls itself.
_ccp_run() {
  _ccp_p=$(_ccp_proxy_port)
  if [ -n "$_ccp_p" ] && ! _ccp_proxy_check "$_ccp_p" 2>/dev/null; then
    # Down: started here when CCP_AUTOSTART=1 and nothing else holds the port, else the one line with the fix.
    if _ccp_port_refused "$_ccp_p" && _ccp_autostart "$_ccp_p"; then
      :
    else
      _ccp_proxy_check "$_ccp_p"
      unset _ccp_p
      return 69 # EX_UNAVAILABLE
    fi
  fi
  unset _ccp_p
  if [ "$1" = claude ]; then
    shift
    command claude "$@"
  else
    "$@"
  fi
}

# claude, checked first: with HTTPS_PROXY pointing at a local port whose proxy does not answer, stop now
# with the fix instead of hanging. After `unset HTTPS_PROXY` it is plain claude again. An alias named
# claude (Claude Code's local installer writes one; `claude --dangerously-skip-permissions` is common)
# stays an alias, wrapped: `unalias claude` undoes it, and sourcing again never wraps it twice.
if alias claude >/dev/null 2>&1; then
  _ccp_alias=$(alias claude | sed -e 's/^alias //' -e 's/^claude=//' -e "s/^'\(.*\)'\$/\1/")
  case "$_ccp_alias" in
    _ccp_run\ *) ;;
    *) alias claude="_ccp_run $_ccp_alias" ;;
  esac
  unset _ccp_alias
else
  # In a string: shells expand aliases while parsing, so a literal definition here would be read with an alias.
  eval 'claude() { _ccp_run claude "$@"; }'
fi

export HTTPS_PROXY="http://127.0.0.1:${_ccp_port}"
export https_proxy="$HTTPS_PROXY"
# Claude Code ignores NODE_EXTRA_CA_CERTS from settings.json: it must be exported in this shell.
export NODE_EXTRA_CA_CERTS="$_ccp_ca"
export NO_PROXY="127.0.0.1,localhost"
export no_proxy="$NO_PROXY"
# A base URL would route around the proxy; an auth token would be sent to every lane's host.
unset ANTHROPIC_BASE_URL ANTHROPIC_AUTH_TOKEN

echo "ccp: this terminal now goes through the proxy on 127.0.0.1:${_ccp_port}"
echo "  HTTPS_PROXY=$HTTPS_PROXY"
echo "  NODE_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS"
echo "  NO_PROXY=$NO_PROXY"
echo "  unset ANTHROPIC_BASE_URL ANTHROPIC_AUTH_TOKEN"
if _ccp_proxy_check "$_ccp_port"; then
  echo "  proxy: answering on 127.0.0.1:${_ccp_port} with this CA"
  echo "  try: claude -p --model haiku \"ok\" --output-format json"
  unset _ccp_port _ccp_ca
  return 0
fi
echo "  claude in this terminal stops with that line until the proxy answers; then it just works (no need to source again)" >&2
unset _ccp_port _ccp_ca
return 1
