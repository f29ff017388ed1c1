// The four parts of prom-client the proxy uses, loaded file by file: its index also loads the
// Pushgateway, cluster aggregation, default process metrics and OpenTelemetry (~11 MB of RSS in a
// process left running all day, measured). The classes are the same ones the index exports.
import { createRequire } from 'node:module';
import type * as Prom from 'prom-client';

const load = createRequire(import.meta.url);

export const Registry = load('prom-client/lib/registry') as typeof Prom.Registry;
export const Counter = load('prom-client/lib/counter') as typeof Prom.Counter;
export const Gauge = load('prom-client/lib/gauge') as typeof Prom.Gauge;
export const Histogram = load('prom-client/lib/histogram') as typeof Prom.Histogram;
export type Registry = Prom.Registry;
