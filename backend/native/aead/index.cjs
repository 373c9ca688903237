'use strict';
// Loads the compiled addon. No fallback to node:crypto: a missing or broken
// build must stop the server at start, not quietly seal at half the speed.
let addon;
try {
  addon = require('./build/Release/aead.node');
} catch (error) {
  throw new Error(
    'ChatterLink cannot load its AES-256-GCM addon (backend/native/aead/build/Release/aead.node). ' +
      'Build it with `make install` (needs python3, make and a C compiler). Cause: ' +
      error.message,
    { cause: error },
  );
}
exports.seal = addon.seal;
exports.open = addon.open;
exports.openMany = addon.openMany;
