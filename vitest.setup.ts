// tfjs's cpu backend prints a banner suggesting tfjs-node on its first tensor in Node. Tests use the cpu
// backend on purpose (it is the numerical reference), so the banner is dropped; every other warning passes.
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].includes('looks like you are running TensorFlow.js in Node.js')) return;
  warn(...args);
};
