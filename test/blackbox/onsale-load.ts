/**
 * `ticketd onsale` in a process of its own, run from the sources, for the black-box on-sale test while the binary
 * does not know the command yet (the test prefers `ticketd onsale` once `ticketd help onsale` answers):
 *
 *   node --import tsx test/blackbox/onsale-load.ts --url URL --show ID --buyers N --concurrency C …
 */
import { processIo } from '../../src/cli/cli-io.ts';
import { runOnsale } from '../../src/cli/onsale.ts';

process.exitCode = await runOnsale(process.argv.slice(2), processIo());
