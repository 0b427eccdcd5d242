// Fails fast when the test command runs on a Node older than the project needs.
// npm scripts put node_modules/.bin first on PATH, where the `node` package installs Node 22.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(
    `Strongbox needs Node >= 22.12; this is ${process.version}. Run \`npm ci\` (it installs Node 22 into node_modules/.bin) and use npm scripts.`,
  );
  process.exit(1);
}
