# ccp-lanes: point this terminal at the local lane-splitting proxy.
# Generated from env/sub-env.template.sh by `npm run env` (and by every `npm run mitm`).
# Usage (bash or zsh):   source env/sub-env.sh [PORT]      default port: __CCP_DEFAULT_PORT__
# Undo:                  unset HTTPS_PROXY https_proxy NODE_EXTRA_CA_CERTS   (or open a new terminal)

_ccp_sourced=0
if [ -n "${ZSH_VERSION:-}" ]; then
  case "${ZSH_EVAL_CONTEXT:-}" in *:file*) _ccp_sourced=1 ;; esac
elif [ -n "${BASH_VERSION:-}" ]; then
  # shellcheck disable=SC3028,SC3054
  [ "${BASH_SOURCE[0]}" != "$0" ] && _ccp_sourced=1
fi
if [ "$_ccp_sourced" != 1 ]; then
  echo "sub-env.sh was executed, so it cannot change your shell. Source it instead:" >&2
  echo "  source env/sub-env.sh ${1:-__CCP_DEFAULT_PORT__}" >&2
  unset _ccp_sourced
  exit 1
fi
unset _ccp_sourced

_ccp_port="${1:-__CCP_DEFAULT_PORT__}"
case "$_ccp_port" in
  ''|*[!0-9]*)
    echo "ccp: port must be a number, got '$_ccp_port' (usage: source env/sub-env.sh 8082)" >&2
    unset _ccp_port
    return 1 ;;
esac
_ccp_ca=__CCP_CA_CERT__
if [ ! -r "$_ccp_ca" ]; then
  echo "ccp: CA certificate not found at $_ccp_ca; run 'npm run mitm' once to create it" >&2
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
echo "  try: claude -p --model haiku \"ok\" --output-format json"
unset _ccp_port _ccp_ca
