// `npm run operator -- add <username> --role viewer|operator` (password from OPERATOR_PASSWORD, or
// asked for without echo), `npm run operator -- remove <username>`, `npm run operator -- list`.
// Accounts for the console (/admin); a viewer sees everything and changes nothing.
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../src/config.ts';
import { createPrisma } from '../src/db/client.ts';
import { migrateDatabase } from '../src/db/migrate.ts';
import { DomainError } from '../src/domain/errors.ts';
import { createOperators, operatorRoles, type OperatorRole } from '../src/services/operators.ts';

const usage = `usage:
  npm run operator -- add <username> --role viewer|operator   (password: OPERATOR_PASSWORD, or asked for)
  npm run operator -- remove <username>
  npm run operator -- list`;

function fail(message: string): never {
  console.error(`[operator] ${message}`);
  process.exit(1);
}

/** The password from OPERATOR_PASSWORD, or typed at the terminal without echo, or a line of stdin. */
async function password(): Promise<string> {
  if (process.env.OPERATOR_PASSWORD) return process.env.OPERATOR_PASSWORD;
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  if (process.stdin.isTTY) {
    // Show the prompt, echo nothing of what is typed.
    const write = (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput.bind(rl);
    let prompted = false;
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
      if (!prompted) write(s);
      prompted = true;
    };
  }
  const answer = await new Promise<string>((resolve) => rl.question('Password (12 characters or more): ', resolve));
  rl.close();
  if (process.stdin.isTTY) process.stdout.write('\n');
  return answer;
}

const { positionals, values } = parseArgs({ allowPositionals: true, options: { role: { type: 'string' } } });
const [command, username] = positionals;
if (!command || !['add', 'remove', 'list'].includes(command)) fail(usage);
if (command !== 'list' && !username) fail(usage);
if (command === 'add' && !operatorRoles.includes(values.role as OperatorRole))
  fail(`--role must be viewer or operator\n${usage}`);

const config = loadConfigOrExit('operator');
// The accounts' table may be newer than the database (a fresh checkout): migrate first, as dev does.
await migrateDatabase(config.DATABASE_URL, (line) => console.log(`[operator] ${line}`));
const prisma = createPrisma(config.DATABASE_URL);
const operators = createOperators(prisma);
try {
  if (command === 'add') {
    const added = await operators.add(username!, await password(), values.role as OperatorRole);
    console.log(`[operator] added ${added.username} (${added.role})`);
  } else if (command === 'remove') {
    await operators.remove(username!);
    console.log(`[operator] removed ${username} and ended their sessions`);
  } else {
    const all = await operators.list();
    if (all.length === 0)
      console.log('[operator] no operators yet: npm run operator -- add <username> --role operator');
    for (const op of all) console.log(`${op.username}\t${op.role}\t${op.createdAt}`);
  }
} catch (err) {
  if (err instanceof DomainError) fail(err.message);
  throw err;
} finally {
  await prisma.$disconnect();
}
