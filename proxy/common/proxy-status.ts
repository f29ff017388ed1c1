// The running proxy's /__ccp/status answer: built by the proxy, read by status, doctor, bundle and tests.

/** GET /__ccp/status. */
export interface ProxyStatus {
  pid: number;
  port: number;
  started_at: string;
  paused: boolean;
  zai_cooldown_until: string | null;
  zai_cooldown_why: string | null;
  zai_header_mode: string;
  force_haiku_to_zai: boolean;
  zai_key_set: boolean;
  zai_base_url: string;
  anth_base_url: string;
  force_h1: boolean;
  filter_chain: boolean;
  log_path: string;
  ca_fingerprint: string;
  requests: { zai: number; anthropic: number; errors: number };
  memory: { rss: number; heap_used: number; array_buffers: number };
}
