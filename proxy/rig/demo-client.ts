// A client process configured the way a user's terminal is: HTTPS_PROXY + NODE_EXTRA_CA_CERTS from its
// environment, nothing else. Reads a JSON list of requests on argv[2], prints one JSON result per line.
import { EnvHttpProxyAgent, fetch } from 'undici';

interface DemoRequest {
  label: string;
  path: string;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

const requests = JSON.parse(process.argv[2] ?? '[]') as DemoRequest[];
const dispatcher = new EnvHttpProxyAgent();
for (const r of requests) {
  const t0 = performance.now();
  let firstChunkMs: number | undefined;
  let lastChunkMs: number | undefined;
  let chunks = 0;
  try {
    const res = await fetch(`https://api.anthropic.com${r.path}`, {
      dispatcher,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...r.headers },
      body: JSON.stringify(r.body),
    });
    let text = '';
    const decoder = new TextDecoder();
    for await (const chunk of res.body ?? []) {
      firstChunkMs ??= performance.now() - t0;
      lastChunkMs = performance.now() - t0;
      chunks++;
      text += decoder.decode(chunk as Uint8Array, { stream: true });
    }
    // A streamed answer arrives as text_delta pieces; a JSON answer as one text block.
    const deltas = [...text.matchAll(/"type":"text_delta","text":"((?:[^"\\]|\\.)*)"/g)].map(
      (m) => JSON.parse(`"${m[1]}"`) as string,
    );
    const whole = deltas.length ? deltas.join('') : text;
    const answer = /ok from [a-z-]+/.exec(whole)?.[0];
    console.log(
      JSON.stringify({
        label: r.label,
        status: res.status,
        answer,
        first_chunk_ms: firstChunkMs,
        last_chunk_ms: lastChunkMs,
        chunks,
        total_ms: performance.now() - t0,
      }),
    );
  } catch (e) {
    console.log(JSON.stringify({ label: r.label, status: 0, error: (e as Error).message }));
  }
}
await dispatcher.close();
