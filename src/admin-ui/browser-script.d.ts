// `import code from './browser/x.ts?browser'`: that file compiled to JavaScript, as text (scripts/lib/browser-script.mjs).
declare module '*?browser' {
  const code: string;
  export default code;
}
