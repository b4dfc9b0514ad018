// `tsx src/provider-sim/server.ts` (npm run dev starts it): the match provider simulator on
// PROVIDER_SIM_PORT (default 4010), which PROVIDER_URL points at in development.
import { createProviderSimulator } from './app.ts';

const port = Number(process.env.PROVIDER_SIM_PORT ?? 4010);
const host = process.env.PROVIDER_SIM_HOST ?? '127.0.0.1'; // 0.0.0.0 in a container
const server = createProviderSimulator().listen(port, host, () => {
  console.log(JSON.stringify({ level: 30, msg: `provider simulator on http://${host}:${port}`, port }));
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => server.close(() => process.exit(0)));
