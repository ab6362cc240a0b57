// Runs every core benchmark in sequence: `npm run bench`.
const names = ['run-latency', 'launch', 'kill', 'tail', 'list', 'ports', 'ready', 'memory', 'throughput'];
for (const name of names) await import(`./${name}.mjs`);
