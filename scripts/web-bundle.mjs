// The browser bundle's esbuild options, shared by `npm run build:web` and the browser tests: ES module,
// browser platform (a Node built-in anywhere in the graph fails the build), and the one Node-only
// module the runtime reaches, the tokenizer's ranks file reader, swapped for its browser twin.
import { build } from 'esbuild';

const browserTwins = {
  name: 'browser-twins',
  setup(b) {
    b.onResolve({ filter: /\/ranks-file\.js$/ }, (args) => ({ path: `${args.resolveDir}/ranks-file.browser.ts` }));
  },
};

/** Bundles `entry` for the browser; returns the JS text (outfile unset) or writes `outfile`. */
export async function bundleForBrowser(entry, outfile) {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    logLevel: 'silent',
    plugins: [browserTwins],
    ...(outfile ? { outfile, minify: true, sourcemap: true } : { write: false }),
  });
  return outfile ? undefined : result.outputFiles[0].text;
}
