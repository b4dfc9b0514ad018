// A load generator in its own process (so it does not share an event loop with the API it measures):
// `node --import tsx bench/load.ts <json>` with {url, paths, rate, seconds, connections}; requests
// cycle through `paths` at a fixed overall rate (corrected for coordinated omission) and it prints
// autocannon's latency figures as JSON.
import autocannon from 'autocannon';

const { url, paths, rate, seconds, connections } = JSON.parse(process.argv[2]!) as {
  url: string;
  paths: string[];
  rate: number;
  seconds: number;
  connections: number;
};
let i = 0;
const result = await autocannon({
  url,
  connections,
  overallRate: rate,
  duration: seconds,
  requests: [{ method: 'GET', setupRequest: (req: object) => ({ ...req, path: paths[i++ % paths.length] }) }],
});
const statusCodes = Object.fromEntries(
  Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, count]),
);
console.log(
  JSON.stringify({
    requests: result.requests.total,
    non2xx: result.non2xx,
    statusCodes,
    errors: result.errors,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
  }),
);
