// Svelte compiler options shared by Vite, svelte-check and eslint-plugin-svelte.
export default {
  compilerOptions: { runes: true },
};
