/** The CLI bundle's text, embedded in dist/cli.js by esbuild.mjs (the embed-cli-bundle plugin). */
declare module 'cli-bundle:text' {
  const text: string;
  export default text;
}
