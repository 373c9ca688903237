// Compiles build/Release/aead.node with npm's bundled node-gyp. Offline: the
// headers (Node-API and OpenSSL) come from the node that runs this script
// (<prefix>/include/node, shipped by Debian's nodejs-dev and by official Node
// builds), so node-gyp never downloads them. `make install` runs this; npm
// install scripts are not relied on ("gypfile": false), since npm's
// allowScripts policy may skip them.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const prefix = dirname(dirname(process.execPath));
const nodeGyp = [
  process.env.npm_config_node_gyp,
  join(prefix, 'lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
  join(prefix, 'share/nodejs/npm/node_modules/node-gyp/bin/node-gyp.js'),
].find((candidate) => candidate && existsSync(candidate));
if (!nodeGyp) {
  console.error('aead-native: node-gyp not found (it ships with npm); cannot build the AES-256-GCM addon');
  process.exit(1);
}
if (!existsSync(join(prefix, 'include/node/node_api.h'))) {
  console.error(`aead-native: no Node headers under ${prefix}/include/node (install nodejs-dev or use an official Node build)`);
  process.exit(1);
}
const { status } = spawnSync(process.execPath, [nodeGyp, 'rebuild', `--nodedir=${prefix}`, '--loglevel=warn'], { cwd: here, stdio: 'inherit' });
process.exit(status ?? 1);
