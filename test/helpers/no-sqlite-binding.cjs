// Preloaded (node --require) to make better-sqlite3's native module unloadable, as it is when
// its install script never ran: `require('bindings')('better_sqlite3.node')` throws the error
// the `bindings` package throws then. With NO_SQLITE_BINDING=abi, the error of a module built
// for another Node instead.
const Module = require('node:module');
const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === 'bindings') {
    return () => {
      if (process.env.NO_SQLITE_BINDING === 'abi') {
        const err = new Error("The module '/x/node_modules/better-sqlite3/build/Release/better_sqlite3.node'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 115. This version of Node.js requires\nNODE_MODULE_VERSION 127. Please try re-compiling or re-installing\nthe module (for instance, using `npm rebuild` or `npm install`).");
        err.code = 'ERR_DLOPEN_FAILED';
        throw err;
      }
      throw new Error('Could not locate the bindings file. Tried:\n → /x/node_modules/better-sqlite3/build/better_sqlite3.node\n → /x/node_modules/better-sqlite3/build/Release/better_sqlite3.node');
    };
  }
  return load.call(this, request, ...rest);
};
